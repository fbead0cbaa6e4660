export type StoreErrorCode =
  | 'ERR_SESSION_DECODE'
  | 'ERR_SESSION_ENCODE'
  | 'ERR_SESSION_TTL'
  | 'ERR_UNSAFE_CLEAR'
  | 'ERR_STORE_TIMEOUT'
  | 'ERR_STORE_NOT_CONNECTED'
  | 'ERR_SESSION_USER_ID'
  | 'ERR_USER_ID_OPTION_MISSING'
  | 'ERR_SAVE_CONFLICT'
  | 'ERR_REVOKE_INCOMPLETE'

/** Every error the store creates itself: a stable `code`, the library's name, and the original error as `cause`. */
export class RedisSessionStoreError extends Error {
  readonly code: StoreErrorCode

  constructor(code: StoreErrorCode, message: string, cause?: unknown) {
    super(`redis-session-store: ${message}`, cause === undefined ? undefined : { cause })
    this.name = 'RedisSessionStoreError'
    this.code = code
  }
}

/**
 * `destroyUserSessions()` destroyed every session it could and not all of them: how many it destroyed, and how many
 * it could not destroy (or could not check); `cause` is the first of the errors that stopped it. Never a session id.
 */
export class RevokeIncompleteError extends RedisSessionStoreError {
  declare readonly code: 'ERR_REVOKE_INCOMPLETE'
  readonly destroyed: number
  readonly failed: number

  constructor(destroyed: number, failed: number, cause: unknown) {
    super(
      'ERR_REVOKE_INCOMPLETE',
      `destroyUserSessions() destroyed ${destroyed} session(s) but could not destroy ${failed}; call it again`,
      cause,
    )
    this.destroyed = destroyed
    this.failed = failed
  }
}

export function storeError(code: StoreErrorCode, message: string, cause?: unknown): RedisSessionStoreError {
  return new RedisSessionStoreError(code, message, cause)
}

export function optionError(name: string, expected: string, received: unknown): TypeError {
  return new TypeError(`redis-session-store: option "${name}" must be ${expected}; received ${describe(received)}`)
}

/** Lets an exception that was caught escape on the next tick instead, as an uncaught exception. */
export function rethrowOnNextTick(error: unknown): void {
  process.nextTick(rethrow, error)
}

function rethrow(error: unknown): never {
  throw error
}

/** A short, secret-free description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value)
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value)
    case 'function':
      return `a function${value.name ? ` (${value.name})` : ''}`
    case 'object': {
      const name = (value as object).constructor?.name
      return name && name !== 'Object' ? `an instance of ${name}` : 'a plain object'
    }
    default:
      return typeof value
  }
}
