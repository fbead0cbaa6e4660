import type { SupportedClient } from '../client/supported-client.js'
import type { SessionRecord, StoredSession } from '../helpers/session.js'
import { attachStoreMethods, type RedisSessionStore } from './create-store.js'
import type { RedisStoreOptions } from './options.js'
import { defaultStoreBase, type StoreBase } from './store-base.js'

export interface RedisStoreClass {
  new <Client extends SupportedClient, Session extends SessionRecord = StoredSession>(
    options: RedisStoreOptions<Client, Session>,
  ): RedisSessionStore<Session, Client>
}

/**
 * A class with connect-redis v8+'s constructor, `new RedisStore({ client, ...options })`, built on the
 * given Store base: moving from connect-redis is an import change. New code can call createRedisStore.
 */
export function redisStoreClassOn(Base: StoreBase): RedisStoreClass {
  return class RedisStore extends Base {
    constructor(options: RedisStoreOptions<SupportedClient, never>) {
      super()
      attachStoreMethods(this, options)
    }
  } as unknown as RedisStoreClass
}

export const RedisStore: RedisStoreClass = redisStoreClassOn(defaultStoreBase())
