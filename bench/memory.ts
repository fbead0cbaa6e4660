import v8 from 'node:v8'

const MiB = 1024 * 1024

export interface Measured<T> {
  value: T
  ms: number
  /** The highest heap + external memory seen while the work ran, above what was in use before it. */
  peakMiB: number
  /** The same for memory still reachable (the heap right after each full collection): what the work kept alive. */
  peakLiveMiB: number
}

const inUse = () => {
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

// Run with --expose-gc: collecting first makes the baseline what is really live, not leftover garbage.
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {})

interface GcStatistics {
  gcType: string
  beforeGC: { heapStatistics: HeapStatistics }
  afterGC: { heapStatistics: HeapStatistics }
}

interface HeapStatistics {
  usedHeapSize: number
  externalMemory: number
}

const used = ({ usedHeapSize, externalMemory }: HeapStatistics) => usedHeapSize + externalMemory

/**
 * Times `work` and finds the most memory in use while it ran: the heap just before each garbage
 * collection (where it peaks, even inside a long synchronous stretch), samples every few
 * milliseconds while it awaits, and once as it ends with its result still held.
 */
export async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  collect()
  const baseline = inUse()
  let peak = baseline
  const sample = () => {
    peak = Math.max(peak, inUse())
  }
  const sampler = setInterval(sample, 5)
  const collections = new v8.GCProfiler()
  collections.start()
  const started = performance.now()
  try {
    const value = await work()
    const ms = performance.now() - started
    sample()
    // Held until here, the result counts as live at the end (all() returns every session).
    collect()
    let live = Math.max(baseline, inUse())
    for (const { gcType, beforeGC, afterGC } of collections.stop().statistics as GcStatistics[]) {
      peak = Math.max(peak, used(beforeGC.heapStatistics))
      // A minor collection leaves dead objects in the old generation; only a full one leaves just the live.
      if (gcType === 'MarkSweepCompact') live = Math.max(live, used(afterGC.heapStatistics))
    }
    return { value, ms, peakMiB: (peak - baseline) / MiB, peakLiveMiB: (live - baseline) / MiB }
  } finally {
    clearInterval(sampler)
  }
}

export interface LazyTouchMemoryResult {
  sessions: number
  sessionBytes: number
  /** How much the live heap grew with every session remembered for touchAfter. */
  heapGrowthMiB: number
  bytesPerSession: number
}

/** What the lazy-touch memory costs (touchAfter): sessions of 24 KB each read and touched once, the heap measured after a full collection. */
export async function benchLazyTouchMemory(): Promise<LazyTouchMemoryResult> {
  const { touchMemory } = await import('../src/features/lazy-touch.js')
  const sessions = 8_000
  const sessionBytes = 24 * 1024
  const filler = 'x'.repeat(sessionBytes)
  const remembered = touchMemory(60)
  collect()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < sessions; i++) {
    const sid = `${i}`.padStart(32, 's')
    // A flat text of its own, as each get() reads one from Redis.
    remembered.read(sid, Buffer.from(`{"n":${i},"data":"${filler}"}`).toString())
    remembered.wrote(sid, undefined, 3600, performance.now())
  }
  collect()
  const grown = process.memoryUsage().heapUsed - before
  // Used after the measurement, so that the memory is still alive when measured.
  if (!remembered.canSkipTouch('0'.padStart(32, 's'), 3600)) console.warn('[bench] lazy touch forgot a session')
  const result = {
    sessions,
    sessionBytes,
    heapGrowthMiB: Number((grown / MiB).toFixed(1)),
    bytesPerSession: Math.round(grown / sessions),
  }
  console.log('[bench] lazy touch memory:', JSON.stringify(result))
  return result
}
