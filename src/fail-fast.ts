import type { SessionClient } from './client/index.js'
import { storeError } from './errors.js'

/**
 * Wraps an async operation so that it fails at once while the client says it is not connected,
 * instead of waiting in the client's offline queue for a reconnect that may never come.
 */
export const failFastOn =
  (client: SessionClient) =>
  <Args extends unknown[], Result>(operation: string, run: (...args: Args) => Promise<Result>) =>
  (...args: Args): Promise<Result> =>
    client.isReady()
      ? run(...args)
      : Promise.reject(
          storeError('ERR_STORE_NOT_CONNECTED', `${operation}() failed at once: the ${client.kind} is not connected`),
        )
