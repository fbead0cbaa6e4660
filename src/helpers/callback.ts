import { type Deadlines, deadlines } from '../store/deadline.js'
import type { Callback } from './session.js'

/** An operation that returns a Promise without a callback, and returns nothing but calls back with one. */
export interface CallbackOrPromise<Args extends unknown[], Result> {
  (...args: Args): Promise<Result>
  (...args: [...Args, Callback<Result>]): void
}

/** How the store runs its calls; a custom store built from the helpers needs none of it. */
export interface CallPolicy {
  /** The operation's name in errors. */
  name?: string
  /** The deadline every call must settle within (deadline.ts). Default: none. */
  deadlines?: Deadlines
  /** An error to fail with at once instead of running the call (the client is not connected, say). */
  refuse?: (operation: string) => Error | undefined
}

const NO_DEADLINE = deadlines(0)

/**
 * The one adapter between the store's async operations and express-session's callback style.
 * With a callback, it is called exactly once and no Promise is returned, so a failure is never also
 * an unhandled rejection. A callback that throws is not called again with its own exception: the
 * exception is rethrown outside the promise chain, as any Node.js callback API would let it escape.
 * The store's policy (fail fast, deadlines) is applied here too, in the same single wrapper: each
 * layer of wrapping costs on the hot path.
 */
export function callbackOrPromise<Args extends unknown[], Result>(
  operation: (...args: Args) => Promise<Result>,
  policy: CallPolicy = {},
): CallbackOrPromise<Args, Result> {
  const { name = operation.name, deadlines = NO_DEADLINE, refuse } = policy
  return function adapted(...args: unknown[]): Promise<Result> | undefined {
    const last = args[args.length - 1]
    const refusal = refuse?.(name)
    if (typeof last !== 'function') {
      if (refusal) return Promise.reject(refusal)
      return deadlines.bounded
        ? settleWithin(deadlines, name, () => started(operation, args as Args))
        : started(operation, args as Args)
    }
    const callback = last as Callback<Result>
    args.pop()
    // Even a refusal calls back asynchronously, as every other outcome does.
    if (refusal) return void process.nextTick(invoke, callback, refusal)
    const call = deadlines.start(name, (error) => invoke(callback, error))
    started(operation, args as Args).then(
      (value) => deadlines.finish(call) && invoke(callback, null, value),
      (error: unknown) => deadlines.finish(call) && invoke(callback, error),
    )
    return undefined
  } as CallbackOrPromise<Args, Result>
}

// An operation that throws before it returns its Promise (a plain function checking its arguments) fails as a
// rejection, so that it too calls back exactly once instead of throwing at the caller.
function started<Args extends unknown[], Result>(
  operation: (...args: Args) => Promise<Result>,
  args: Args,
): Promise<Result> {
  try {
    return operation(...args)
  } catch (error) {
    return Promise.reject(error)
  }
}

function settleWithin<Result>(deadlines: Deadlines, name: string, run: () => Promise<Result>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const call = deadlines.start(name, reject)
    run().then(
      (value) => deadlines.finish(call) && resolve(value),
      (error: unknown) => deadlines.finish(call) && reject(error),
    )
  })
}

function invoke<Result>(callback: Callback<Result>, error: unknown, value?: Result): void {
  try {
    callback(error, value)
  } catch (thrown) {
    process.nextTick(rethrow, thrown)
  }
}

function rethrow(error: unknown): never {
  throw error
}
