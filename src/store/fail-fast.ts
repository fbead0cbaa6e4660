import type { SessionClient } from '../client/index.js'
import { storeError } from '../helpers/errors.js'

/**
 * The error for a call made while the client says it is not connected, or undefined when it is:
 * such a call fails at once instead of waiting in the client's offline queue for a reconnect that
 * may never come.
 */
export const refusalWhileDisconnected =
  (client: SessionClient) =>
  (operation: string): Error | undefined =>
    client.isReady()
      ? undefined
      : storeError('ERR_STORE_NOT_CONNECTED', `${operation}() failed at once: the ${client.kind} is not connected`)
