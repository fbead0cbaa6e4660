/** One contender in a comparison: a name and one measured round. */
export interface Contender<Sample> {
  name: string
  round(): Promise<Sample>
}

/**
 * Runs every contender `rounds` times, alternating the order (A B, B A, A B, ...) so that neither
 * always runs first, or always right after the other, on a machine whose load drifts.
 */
export async function alternate<Sample>(
  contenders: readonly Contender<Sample>[],
  rounds: number,
): Promise<Map<string, Sample[]>> {
  const samples = new Map(contenders.map((contender) => [contender.name, [] as Sample[]]))
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse()
    for (const contender of order) samples.get(contender.name)?.push(await contender.round())
  }
  return samples
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

/** The median of one field over a contender's samples. */
export const medianOf = <Sample>(samples: readonly Sample[], field: (sample: Sample) => number): number =>
  median(samples.map(field))

export const ratio = (value: number, reference: number): number =>
  reference > 0 && Number.isFinite(value) ? round(value / reference, 3) : Number.NaN

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits))

/** Each contender's median of its per-round rates, in whole operations per second. */
export const medianRates = (samples: Map<string, number[]>): Record<string, number> =>
  Object.fromEntries([...samples].map(([name, values]) => [name, round(median(values), 0)]))
