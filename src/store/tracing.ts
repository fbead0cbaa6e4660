import { type TracingChannel, tracingChannel } from 'node:diagnostics_channel'
import type { SaveOutcome } from '../features/concurrent-saves/conditional-save.js'
import type { TouchOutcome } from '../features/lazy-touch.js'
import type { Callback } from '../helpers/session.js'

/**
 * What every event of one store call carries. Never the session id, the session or a listing: ids() and
 * all() answer with session ids (credentials), so no result is published, only what `outcome` says of it.
 */
export interface StoreCallContext {
  /** The store method: 'get', 'set', 'touch', ... (also in the channel's name). */
  readonly operation: string
  /** The store's key prefix: which store made the call, when an app has more than one. */
  readonly prefix: string
  /** 'koa' for a call of the Koa view (store.koa), on the same channels; absent for the store's own methods. */
  readonly view?: 'koa'
  /** What a call that succeeded did, set before asyncStart: get() 'hit' or 'miss', set() and touch() below. */
  outcome?: 'hit' | 'miss' | SaveOutcome | TouchOutcome
  /** Why the call failed (ERR_STORE_TIMEOUT, ERR_STORE_NOT_CONNECTED, the client's error...); set on error. */
  error?: unknown
}

/** The store methods that publish a TracingChannel named `redis-session-store:<method>`. */
export const TRACED_METHODS = [
  'get',
  'set',
  'touch',
  'destroy',
  'all',
  'ids',
  'length',
  'clear',
  'userSessions',
  'destroyUserSessions',
  'rewriteOutdated',
] as const

/**
 * A call's arguments, the last one its callback if it has one; runs it and returns what the method returns.
 * Given the context of a traced call, it tells it the call's outcome before answering (call-policy.ts).
 */
export type Call = (args: unknown[], context?: StoreCallContext) => Promise<unknown> | undefined

/**
 * What the caller gets from what the operation resolved to, telling a traced call's context its outcome on the
 * way: set() and touch() resolve to their outcome and answer nothing, get() answers what it read.
 */
export type Answer = (value: unknown, context?: StoreCallContext) => unknown

/** What a method answers its caller, given what its operation resolves to: set() and touch() answer nothing. */
export type Answered<Result> = [Result] extends [SaveOutcome] ? undefined : Result

const sameAnswer: Answer = (value) => value
const readAnswer: Answer = (value, context) => {
  if (context) context.outcome = value === null ? 'miss' : 'hit'
  return value
}
export const outcomeOnly: Answer = (value, context) => {
  if (context) context.outcome = value as SaveOutcome
  return undefined
}

/** The method's answer: `name` as the store calls it ('koa.get' for the Koa view's). */
export function answerFor(name: string): Answer {
  const method = name.startsWith(KOA) ? name.slice(KOA.length) : name
  if (method === 'get') return readAnswer
  return method === 'set' || method === 'touch' ? outcomeOnly : sameAnswer
}

const KOA = 'koa.'

/** One method's channel, for one store (its prefix). */
export interface MethodTrace {
  /** Whether anyone listens: checked on every call, so that an unobserved call costs one check. */
  observed(): boolean
  /** Runs the call between start and end, and publishes asyncStart, asyncEnd (and error) once it settles. */
  run(args: unknown[], call: Call): Promise<unknown> | undefined
}

// Channels are global by name: made once per method, shared by every store in the process.
const channels = new Map<string, TracingChannel<StoreCallContext>>()

function channelFor(method: string): TracingChannel<StoreCallContext> {
  let channel = channels.get(method)
  if (channel === undefined) {
    channel = tracingChannel<StoreCallContext>(`redis-session-store:${method}`)
    channels.set(method, channel)
  }
  return channel
}

/**
 * The method's trace, or undefined for a method that publishes none. The Koa view's methods ('koa.get') publish on
 * the store's channels ('redis-session-store:get'), their context saying `view: 'koa'`.
 */
export function methodTrace(name: string, prefix: string): MethodTrace | undefined {
  const koa = name.startsWith(KOA)
  const method = koa ? name.slice(KOA.length) : name
  if (!(TRACED_METHODS as readonly string[]).includes(method)) return undefined
  const channel = channelFor(method)
  const { start, end, asyncStart, asyncEnd, error } = channel
  return {
    // TracingChannel.hasSubscribers is newer than Node 20.0 (the engines floor); its sub-channels' is not.
    observed: () =>
      start.hasSubscribers ||
      end.hasSubscribers ||
      asyncStart.hasSubscribers ||
      asyncEnd.hasSubscribers ||
      error.hasSubscribers,
    run(args, call) {
      const context: StoreCallContext = koa ? { operation: method, prefix, view: 'koa' } : { operation: method, prefix }
      const failed = (failure: unknown) => {
        context.error = failure
        error.publish(context)
      }
      const last = args[args.length - 1]
      if (typeof last === 'function') {
        const callback = last as Callback<unknown>
        // The call policy calls back exactly once (timeouts included) and drops a late reply, so this runs once.
        args[args.length - 1] = (failure: unknown, value?: unknown) => {
          if (failure !== null && failure !== undefined) failed(failure)
          asyncStart.runStores(context, () => {
            try {
              callback(failure, value)
            } finally {
              asyncEnd.publish(context)
            }
          })
        }
        return runBetweenStartAndEnd(channel, context, args, call)
      }
      const promise = runBetweenStartAndEnd(channel, context, args, call) as Promise<unknown>
      return promise.then(
        (value) => {
          asyncStart.publish(context)
          asyncEnd.publish(context)
          return value
        },
        (failure: unknown) => {
          failed(failure)
          asyncStart.publish(context)
          asyncEnd.publish(context)
          throw failure
        },
      )
    },
  }
}

// start.runStores: a subscriber's bound AsyncLocalStorage (an OpenTelemetry context with the store's span) is the
// context the call runs in, so that the Redis client's own command spans are children of the store's span.
function runBetweenStartAndEnd(
  { start, end }: TracingChannel<StoreCallContext>,
  context: StoreCallContext,
  args: unknown[],
  call: Call,
): Promise<unknown> | undefined {
  return start.runStores(context, () => {
    try {
      return call(args, context)
    } finally {
      end.publish(context)
    }
  })
}
