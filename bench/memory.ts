const MiB = 1024 * 1024

export interface Measured<T> {
  value: T
  ms: number
  /** The highest heap + external memory seen while the work ran, above what was in use before it. */
  peakMiB: number
}

const inUse = () => {
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

// Run with --expose-gc: collecting first makes the baseline what is really live, not leftover garbage.
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {})

/**
 * Times `work` and samples memory every few milliseconds while it runs (and once as it ends, with its
 * result still held). Sampling sees only the moments the work awaits: a long synchronous stretch
 * can hide a peak inside it, so the figure is a lower bound for such work.
 */
export async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  collect()
  const baseline = inUse()
  let peak = baseline
  const sample = () => {
    peak = Math.max(peak, inUse())
  }
  const sampler = setInterval(sample, 5)
  const started = performance.now()
  try {
    const value = await work()
    const ms = performance.now() - started
    sample()
    return { value, ms, peakMiB: (peak - baseline) / MiB }
  } finally {
    clearInterval(sampler)
  }
}
