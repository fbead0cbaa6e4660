import { performance } from 'node:perf_hooks'
import { storeError } from '../helpers/errors.js'

export const DEFAULT_TIMEOUT = 2000

// The deadline's clock ticks this often (or as often as the timeout, if shorter) while calls are pending:
// a call that runs out of time is rejected at most one tick after its deadline.
const TICK_MS = 10

/** A call that has started and not yet settled, linked to the calls that started just before and after it. */
export interface PendingCall {
  readonly operation: string
  /** The first tick at or after the call started; given by the tick that follows its start. */
  startTick: number
  readonly expire: (error: unknown) => void
  older: PendingCall | undefined
  newer: PendingCall | undefined
}

/** The clock of one store's calls. */
export interface Deadlines {
  /** Whether calls have a deadline at all (timeout 0: none, and nothing is tracked). */
  readonly bounded: boolean
  /** Starts the clock on a call; `expire` is called once, with ERR_STORE_TIMEOUT, if the call runs out of time. */
  start(operation: string, expire: (error: unknown) => void): PendingCall | undefined
  /** The call has settled: whether it did so in time (if not, it has already expired and its outcome is dropped). */
  finish(call: PendingCall | undefined): boolean
}

const unbounded: Deadlines = { bounded: false, start: () => undefined, finish: () => true }

/**
 * Deadlines for every call of one store, enforced by one timer rather than one per call.
 *
 * - All calls share one timeout, so the order in which they start is the order in which they fall
 *   due: pending calls form a queue, oldest first, and only its head is ever checked.
 * - The queue is a doubly linked list through the calls themselves: joining and leaving it allocate
 *   nothing (measured: a Set of 1000 pending calls cost more than the rest of the wrapper, in rehashing).
 * - Time is read once per tick of one interval timer that runs only while calls are pending, and counted
 *   in ticks of real time: on a busy event loop the timer runs late (once per turn), and counting its runs
 *   would stretch a 2 s timeout threefold under 30 ms turns. A call reads no clock: the first tick after
 *   it started stamps it, so that it never expires early.
 *
 * A call that settles leaves the queue at once; a call that falls due expires and leaves it, so that
 * its late answer (or late error) is dropped: no second callback, no unhandled rejection. The store's
 * call policy (call-policy.ts) starts and finishes the clock around each call, so that a call with a
 * callback costs no Promise beyond the operation's own. `timeoutMs` 0 means no deadline at all.
 */
export function deadlines(timeoutMs: number): Deadlines {
  if (timeoutMs === 0) return unbounded
  const tickMs = Math.min(TICK_MS, timeoutMs)
  // Ticks are whole and a call's stamp rounds down, so a difference may count one tick more than has passed:
  // a call is due one tick after the timeout has surely passed since its stamp (which is at or after its start).
  const ticksToLive = Math.ceil(timeoutMs / tickMs) + 1
  const epoch = performance.now()
  let tick = 0
  let ticker: NodeJS.Timeout | undefined
  let oldest: PendingCall | undefined
  let newest: PendingCall | undefined
  // The oldest call that started since the last tick: it and every newer call have no startTick yet.
  let unstamped: PendingCall | undefined

  /** Takes the call out of the queue; false if it had already left it (it timed out before it settled). */
  function leave(call: PendingCall): boolean {
    if (call === unstamped) unstamped = call.newer
    if (call.older) call.older.newer = call.newer
    else if (oldest === call) oldest = call.newer
    else return false
    if (call.newer) call.newer.older = call.older
    else newest = call.older
    call.older = call.newer = undefined
    return true
  }

  function onTick(): void {
    tick = Math.floor((performance.now() - epoch) / tickMs)
    while (oldest && oldest !== unstamped && tick - oldest.startTick >= ticksToLive) {
      const call = oldest
      leave(call)
      call.expire(
        storeError('ERR_STORE_TIMEOUT', `${call.operation}() did not complete within the ${timeoutMs} ms timeout`),
      )
    }
    for (let call = unstamped; call; call = call.newer) call.startTick = tick
    unstamped = undefined
    if (oldest === undefined) {
      clearInterval(ticker)
      ticker = undefined
    }
  }

  function join(call: PendingCall): void {
    if (newest) newest.newer = call
    else oldest = call
    newest = call
    if (ticker === undefined) {
      ticker = setInterval(onTick, tickMs)
      // A deadline is no reason to keep the process alive; the socket the call waits on decides that.
      ticker.unref()
    }
  }

  return {
    bounded: true,
    start(operation, expire) {
      const call: PendingCall = { operation, startTick: tick, expire, older: newest, newer: undefined }
      join(call)
      unstamped ??= call
      return call
    },
    finish: (call) => call === undefined || leave(call),
  }
}
