import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'

export type StoreBase = new () => EventEmitter

/**
 * express-session's Store when express-session is installed, so that the store is `instanceof
 * session.Store` and inherits its load, regenerate and createSession. express-session is an optional
 * peer: frameworks that don't need it (Fastify) get a plain EventEmitter instead.
 */
export function defaultStoreBase(): StoreBase {
  cachedBase ??= loadExpressSessionStore() ?? EventEmitter
  return cachedBase
}

let cachedBase: StoreBase | undefined

function loadExpressSessionStore(): StoreBase | undefined {
  try {
    const expressSession = createRequire(import.meta.url)('express-session') as { Store?: StoreBase }
    return expressSession.Store
  } catch {
    return undefined
  }
}
