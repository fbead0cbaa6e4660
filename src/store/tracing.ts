import { type TracingChannel, tracingChannel } from 'node:diagnostics_channel'
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
  /** get(): 'hit' or 'miss'; set on asyncStart, for a call that succeeded. */
  outcome?: 'hit' | 'miss'
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

/** A call's arguments, the last one its callback if it has one; runs it and returns what the method returns. */
export type Call = (args: unknown[]) => Promise<unknown> | undefined

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

/** The method's trace, or undefined for a method that publishes none (the Koa view, for now). */
export function methodTrace(method: string, prefix: string): MethodTrace | undefined {
  if (!(TRACED_METHODS as readonly string[]).includes(method)) return undefined
  const channel = channelFor(method)
  const { start, end, asyncStart, asyncEnd, error } = channel
  const outcomeOf = method === 'get' ? (value: unknown) => (value === null ? 'miss' : 'hit') : undefined
  return {
    // TracingChannel.hasSubscribers is newer than Node 20.0 (the engines floor); its sub-channels' is not.
    observed: () =>
      start.hasSubscribers ||
      end.hasSubscribers ||
      asyncStart.hasSubscribers ||
      asyncEnd.hasSubscribers ||
      error.hasSubscribers,
    run(args, call) {
      const context: StoreCallContext = { operation: method, prefix }
      const settled = (failure: unknown, value: unknown, failed: boolean) => {
        if (failed) {
          context.error = failure
          error.publish(context)
        } else if (outcomeOf) context.outcome = outcomeOf(value) as 'hit' | 'miss'
      }
      const last = args[args.length - 1]
      if (typeof last === 'function') {
        const callback = last as Callback<unknown>
        // The call policy calls back exactly once (timeouts included) and drops a late reply, so this runs once.
        args[args.length - 1] = (failure: unknown, value?: unknown) => {
          settled(failure, value, failure !== null && failure !== undefined)
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
          settled(undefined, value, false)
          asyncStart.publish(context)
          asyncEnd.publish(context)
          return value
        },
        (failure: unknown) => {
          settled(failure, undefined, true)
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
      return call(args)
    } finally {
      end.publish(context)
    }
  })
}
