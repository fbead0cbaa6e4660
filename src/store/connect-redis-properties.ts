import type { SupportedClient } from '../client/supported-client.js'
import type { Serializer } from '../helpers/codec.js'
import type { TtlOption } from '../helpers/ttl.js'
import type { StoreSettings } from './options.js'

/**
 * What connect-redis users read on its store (`store.client.quit()` at shutdown, `store.prefix` in a sweep): the
 * same names, read-only, since changing one after creation would not change what the store does.
 */
export interface ConnectRedisProperties<Client extends SupportedClient = SupportedClient> {
  /** The client given in the options, the very object. */
  readonly client: Client
  readonly prefix: string
  /** The ttl option (a number of seconds, rounded up to a whole second, or the function given); 86400 when not given. */
  readonly ttl: TtlOption
  readonly scanCount: number
  /** The serializer given, or the store's JSON serializer. */
  readonly serializer: Serializer
  readonly disableTouch: boolean
  readonly disableTTL: boolean
}

/**
 * Defines them on the store: not writable (an assignment throws in strict code), and not enumerable, so that
 * printing the store does not print the whole client.
 */
export function defineConnectRedisProperties(store: object, client: unknown, settings: StoreSettings): void {
  const { prefix, ttl, scanCount, serializer, disableTouch, disableTTL } = settings
  const values = { client, prefix, ttl, scanCount, serializer, disableTouch, disableTTL }
  Object.defineProperties(
    store,
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value, enumerable: false }])),
  )
}
