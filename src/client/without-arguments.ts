/**
 * ioredis (and iovalkey) put the command that failed on its errors, arguments included (`error.command.args`): keys,
 * which hold session ids, and values, which hold session data. A session id is a credential, and errors are logged:
 * the store's errors keep the command's name only. A rejection handler, so that the error goes on as it came.
 */
export function withoutArguments(error: unknown): never {
  const command = (error as { command?: unknown } | null | undefined)?.command
  if (typeof command === 'object' && command !== null && 'args' in command) {
    ;(error as { command: unknown }).command = { name: (command as { name?: unknown }).name }
  }
  throw error
}
