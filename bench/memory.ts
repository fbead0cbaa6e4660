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
