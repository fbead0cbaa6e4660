import { storeError } from './errors.js'

export const DEFAULT_TIMEOUT = 2000

// While calls keep falling due (Redis hangs under load), one wake-up every few milliseconds rejects them in batches
// rather than one timer each; a call is rejected at most this much after its deadline.
const SWEEP_GRANULARITY = 10

/** Wraps an async operation so that its Promise settles within the deadline, whatever the operation does. */
export type WithinDeadline = <Args extends unknown[], Result>(
  operation: string,
  run: (...args: Args) => Promise<Result>,
) => (...args: Args) => Promise<Result>

/** A call that has started and not yet settled, linked to the calls that started just before and after it. */
interface PendingCall {
  readonly operation: string
  readonly due: number
  readonly reject: (error: unknown) => void
  older: PendingCall | undefined
  newer: PendingCall | undefined
}

const unbounded: WithinDeadline = (_operation, run) => run

/**
 * Deadlines for every call of one store, enforced by a single timer rather than one per call.
 * All calls share one timeout, so the order in which they start is the order in which they fall
 * due: pending calls form a queue sorted by deadline, and the timer only ever wakes for its oldest.
 * The queue is a doubly linked list through the calls themselves (measured: a Set of 1000 pending
 * calls cost more than the rest of the wrapper, in rehashing). A call that settles leaves the queue at
 * once; a call that falls due is rejected and leaves it, so that its late answer (or late error)
 * settles an already-settled Promise, which does nothing: no second callback, no unhandled rejection.
 * `timeoutMs` 0 means no deadline at all.
 */
export function deadlines(timeoutMs: number): WithinDeadline {
  if (timeoutMs === 0) return unbounded
  let oldest: PendingCall | undefined
  let newest: PendingCall | undefined
  let timer: NodeJS.Timeout | undefined

  function leave(call: PendingCall): void {
    if (call.older) call.older.newer = call.newer
    else if (oldest === call) oldest = call.newer
    else return // already left: timed out before it settled
    if (call.newer) call.newer.older = call.older
    else newest = call.older
    call.older = call.newer = undefined
  }

  function wakeAfter(delay: number): void {
    timer = setTimeout(sweep, delay)
    // A deadline is no reason to keep the process alive; the socket the call waits on decides that.
    timer.unref()
  }

  function sweep(): void {
    timer = undefined
    // Timers count whole milliseconds and may wake a fraction early: a call due within one is due now.
    const now = performance.now() + 1
    while (oldest) {
      const call = oldest
      // The oldest call not yet due has the earliest deadline left: sleep until then.
      if (call.due > now) {
        wakeAfter(Math.max(call.due - now, SWEEP_GRANULARITY))
        return
      }
      leave(call)
      call.reject(
        storeError('ERR_STORE_TIMEOUT', `${call.operation}() did not complete within the ${timeoutMs} ms timeout`),
      )
    }
    // Nothing pending: no timer until the next call.
  }

  return (operation, run) =>
    (...args) =>
      new Promise((resolve, reject) => {
        const call: PendingCall = {
          operation,
          due: performance.now() + timeoutMs,
          reject,
          older: newest,
          newer: undefined,
        }
        if (newest) newest.newer = call
        else oldest = call
        newest = call
        if (timer === undefined) wakeAfter(timeoutMs)
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
