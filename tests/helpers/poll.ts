import { setTimeout as sleep } from 'node:timers/promises'

export interface WaitOptions {
  /** How long to keep trying before failing (default 30 s). */
  timeoutMs?: number
  /** The pause between two attempts (default 100 ms). */
  intervalMs?: number
  /** An attempt that has not answered by then counts as failed (default 5 s). */
  attemptMs?: number
}

/**
 * Polls `check` until it answers true, failing with `what` once `timeoutMs` has passed. An attempt
 * that throws counts as not yet (its error becomes the failure's cause); one that hangs, as a client
 * that queues commands for a node that is gone, counts as failed after `attemptMs`.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 100, attemptMs = 5_000 }: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      if (await withinMs(attemptMs, Promise.resolve().then(check))) return
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError })
    await sleep(intervalMs)
  }
}

function withinMs<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  // The abandoned attempt may still settle later; its outcome no longer matters.
  promise.catch(() => {})
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}
