import type { SessionClient } from '../client/types.js'

/** Where a page's UNLINK goes: the client, or the master that listed the page (a cluster's scan shard). */
type Unlinker = Pick<SessionClient, 'unlinkMany'>

/**
 * Removes one page of keys with UNLINK (freed in the background, so Redis answers others meanwhile),
 * falling back for good to single-key DELs on a server that has no UNLINK (Redis before 4.0, or one
 * where it was renamed away). A page is small, so neither ever blocks Redis for long.
 */
export function pageRemover(client: SessionClient): (keys: readonly string[], via?: Unlinker) => Promise<unknown> {
  let unlinkMissing = false
  return async (keys, via = client) => {
    if (!unlinkMissing) {
      try {
        return await via.unlinkMany(keys)
      } catch (error) {
        if (!isUnknownCommand(error)) throw error
        unlinkMissing = true
      }
    }
    return Promise.all(keys.map((key) => client.del(key)))
  }
}

const isUnknownCommand = (error: unknown): boolean => error instanceof Error && /unknown command/i.test(error.message)
