import { rethrowOnNextTick } from './errors.js'
import type { Callback } from './session.js'

/** An operation that returns a Promise without a callback, and returns nothing but calls back with one. */
export interface CallbackOrPromise<Args extends unknown[], Result> {
  (...args: Args): Promise<Result>
  (...args: [...Args, Callback<Result>]): void
}

/**
 * The one adapter between async operations and express-session's callback style.
 * With a callback, it is called exactly once and no Promise is returned, so a failure is never also
 * an unhandled rejection. A callback that throws is not called again with its own exception: the
 * exception is rethrown outside the promise chain, as any Node.js callback API would let it escape.
 */
export function callbackOrPromise<Args extends unknown[], Result>(
  operation: (...args: Args) => Result | PromiseLike<Result>,
): CallbackOrPromise<Args, Result> {
  return function adapted(...args: unknown[]): Promise<Result> | undefined {
    const last = args[args.length - 1]
    if (typeof last !== 'function') return started(operation, args as Args)
    const callback = last as Callback<Result>
    args.pop()
    started(operation, args as Args).then(
      (value) => invoke(callback, null, value),
      (error: unknown) => invoke(callback, error),
    )
    return undefined
  } as CallbackOrPromise<Args, Result>
}

// An operation that throws before it returns its Promise (a plain function checking its arguments) fails as a
// rejection, so that it too calls back exactly once instead of throwing at the caller. One that returns a plain
// value, or another library's thenable, is answered as if it had returned a Promise of it.
export function started<Args extends unknown[], Result>(
  operation: (...args: Args) => Result | PromiseLike<Result>,
  args: Args,
): Promise<Result> {
  try {
    const result = operation(...args)
    return result instanceof Promise ? result : Promise.resolve(result)
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Calls back once; what the callback throws escapes on the next tick, never into the promise chain. */
export function invoke<Result>(callback: Callback<Result>, error: unknown, value?: Result): void {
  try {
    callback(error, value)
  } catch (thrown) {
    rethrowOnNextTick(thrown)
  }
}
