/**
 * The command's reply once the index update sent beside it has answered too; without an index update (no
 * userId option) just the reply, with no Promise.all on the hot path.
 */
export async function withIndexUpdate<Reply>(
  command: Promise<Reply>,
  indexUpdate: Promise<unknown> | undefined,
): Promise<Reply> {
  if (!indexUpdate) return command
  const [reply] = await Promise.all([command, indexUpdate])
  return reply
}
