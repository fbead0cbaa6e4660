import { type CallbackOrPromise, invoke, started } from '../helpers/callback.js'
import type { Callback } from '../helpers/session.js'
import type { Deadlines } from './deadline.js'
import {
  type Answer,
  type Answered,
  answerFor,
  type Call,
  type MethodTrace,
  outcomeOnly,
  type StoreCallContext,
} from './tracing.js'

/** How the store runs its calls; a custom store built from the helpers needs none of it. */
export interface CallPolicy {
  /** The operation's name in errors. */
  name: string
  /** The deadline every call must settle within (deadline.ts). */
  deadlines: Deadlines
  /** An error to fail with at once instead of running the call (the client is not connected, say). */
  refuse?: (operation: string) => Error | undefined
  /** The method's TracingChannel (tracing.ts): the call runs through it only while someone listens. */
  trace?: MethodTrace | undefined
  /** At most how many arguments the method takes (its callback aside), and the error for a call with more. */
  arity?: ArgumentLimit | undefined
}

/** Checked on the arguments array the policy already has, so that the check costs no wrapper on the hot path. */
export interface ArgumentLimit {
  most: number
  tooMany: () => Error
}

/**
 * The store's methods: `callbackOrPromise(operation)` under the store's policy (fail fast, deadlines),
 * applied in the same single wrapper, since each layer of wrapping costs on the hot path. A callback is
 * called exactly once, as with callbackOrPromise, even when the call is refused or runs out of time.
 */
export function withCallPolicy<Args extends unknown[], Result>(
  operation: (...args: Args) => Promise<Result>,
  { name, deadlines, refuse, trace, arity }: CallPolicy,
): CallbackOrPromise<Args, Answered<Result>> {
  const call = policed(operation, name, deadlines, refuse, arity, answerFor(name))
  return function adapted(...args: unknown[]): Promise<unknown> | undefined {
    return trace?.observed() ? trace.run(args, call) : call(args)
  } as CallbackOrPromise<Args, Answered<Result>>
}

/** The call under the policy, given its arguments as one array (the callback last, if any). */
function policed<Args extends unknown[], Result>(
  operation: (...args: Args) => Promise<Result>,
  name: string,
  deadlines: Deadlines,
  refuse: CallPolicy['refuse'],
  arity: ArgumentLimit | undefined,
  answer: Answer,
): Call {
  return (args: unknown[], context?: StoreCallContext): Promise<unknown> | undefined => {
    const last = args[args.length - 1]
    const withCallback = typeof last === 'function'
    const refusal = arity && args.length - (withCallback ? 1 : 0) > arity.most ? arity.tooMany() : refuse?.(name)
    if (!withCallback) {
      if (refusal) return Promise.reject(refusal)
      if (deadlines.bounded)
        return settleWithin(deadlines, name, () => started(operation, args as Args), answer, context)
      const run = started(operation, args as Args)
      // Without a deadline only set() and touch(), whose operations resolve to their outcome, cost a step more.
      return context === undefined && answer !== outcomeOnly ? run : run.then((value) => answer(value, context))
    }
    const callback = last as Callback<Result>
    args.pop()
    // Even a refusal calls back asynchronously, as every other outcome does.
    if (refusal) return void process.nextTick(invoke, callback, refusal)
    const call = deadlines.start(name, (error) => invoke(callback, error))
    started(operation, args as Args).then(
      (value) => deadlines.finish(call) && invoke(callback, null, answer(value, context) as Result),
      (error: unknown) => deadlines.finish(call) && invoke(callback, error),
    )
    return undefined
  }
}

function settleWithin<Result>(
  deadlines: Deadlines,
  name: string,
  run: () => Promise<Result>,
  answer: Answer,
  context: StoreCallContext | undefined,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = deadlines.start(name, reject)
    run().then(
      (value) => deadlines.finish(call) && resolve(answer(value, context)),
      (error: unknown) => deadlines.finish(call) && reject(error),
    )
  })
}
