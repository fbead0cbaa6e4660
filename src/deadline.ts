import { storeError } from './errors.js'

export const DEFAULT_TIMEOUT = 2000

// The deadline's clock ticks this often (or as often as the timeout, if shorter) while calls are pending:
// a call that runs out of time is rejected at most one tick after its deadline.
const TICK_MS = 10

/** Wraps an async operation so that its Promise settles within the deadline, whatever the operation does. */
export type WithinDeadline = <Args extends unknown[], Result>(
  operation: string,
  run: (...args: Args) => Promise<Result>,
) => (...args: Args) => Promise<Result>

/** A call that has started and not yet settled, linked to the calls that started just before and after it. */
interface PendingCall {
  readonly operation: string
  readonly startTick: number
  readonly reject: (error: unknown) => void
  older: PendingCall | undefined
  newer: PendingCall | undefined
}

const unbounded: WithinDeadline = (_operation, run) => run

/**
 * Deadlines for every call of one store, enforced by one timer rather than one per call.
 *
 * - All calls share one timeout, so the order in which they start is the order in which they fall
 *   due: pending calls form a queue, oldest first, and only its head is ever checked.
 * - The queue is a doubly linked list through the calls themselves: joining and leaving it allocate
 *   nothing (measured: a Set of 1000 pending calls cost more than the rest of the wrapper, in rehashing).
 * - Time is counted in ticks of one interval timer that runs only while calls are pending, so a call
 *   notes the tick it started on instead of reading a clock.
 *
 * A call that settles leaves the queue at once; a call that falls due is rejected and leaves it, so
 * that its late answer (or late error) settles an already-settled Promise, which does nothing: no
 * second callback, no unhandled rejection. `timeoutMs` 0 means no deadline at all.
 */
export function deadlines(timeoutMs: number): WithinDeadline {
  if (timeoutMs === 0) return unbounded
  const tickMs = Math.min(TICK_MS, timeoutMs)
  // A call starts anywhere within a tick, so it is due one tick after the timeout has surely passed.
  const ticksToLive = Math.ceil(timeoutMs / tickMs) + 1
  let tick = 0
  let ticker: NodeJS.Timeout | undefined
  let oldest: PendingCall | undefined
  let newest: PendingCall | undefined

  function leave(call: PendingCall): void {
    if (call.older) call.older.newer = call.newer
    else if (oldest === call) oldest = call.newer
    else return // already left: it timed out before it settled
    if (call.newer) call.newer.older = call.older
    else newest = call.older
    call.older = call.newer = undefined
  }

  function onTick(): void {
    tick++
    while (oldest && tick - oldest.startTick >= ticksToLive) {
      const call = oldest
      leave(call)
      call.reject(
        storeError('ERR_STORE_TIMEOUT', `${call.operation}() did not complete within the ${timeoutMs} ms timeout`),
      )
    }
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

  return (operation, run) =>
    (...args) =>
      new Promise((resolve, reject) => {
        const call: PendingCall = { operation, startTick: tick, reject, older: newest, newer: undefined }
        join(call)
        run(...args).then(
          (value) => {
            leave(call)
            resolve(value)
          },
          (error: unknown) => {
            leave(call)
            reject(error)
          },
        )
      })
}
