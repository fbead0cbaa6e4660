/**
 * Maps each item of an async iterable in order, starting the work for the next items before the previous
 * result is handed out, so that a page's read overlaps the next SCAN: at most `depth` are in flight.
 */
export async function* readAhead<Item, Result>(
  source: AsyncIterable<Item>,
  work: (item: Item) => Promise<Result>,
  depth = 2,
): AsyncGenerator<Result> {
  const pending: Promise<Result>[] = []
  for await (const item of source) {
    const started = work(item)
    // Its failure is reported when it is awaited below; until then it must not count as unhandled.
    started.catch(() => {})
    pending.push(started)
    if (pending.length >= depth) yield await (pending.shift() as Promise<Result>)
  }
  while (pending.length > 0) yield await (pending.shift() as Promise<Result>)
}

/**
 * The items of several async iterables, each taken as soon as it is ready: the sources run side by side, each
 * one item ahead of its consumer at most. The first failure ends the whole, and the other sources are closed.
 */
export async function* sideBySide<Item>(sources: readonly AsyncIterable<Item>[]): AsyncGenerator<Item> {
  if (sources.length === 1 && sources[0]) return yield* sources[0]
  const iterators = sources.map((source) => source[Symbol.asyncIterator]())
  type Step = { index: number; result: IteratorResult<Item> }
  const next = (index: number): Promise<Step> => {
    const step = (iterators[index] as AsyncIterator<Item>).next().then((result) => ({ index, result }))
    // Awaited in the race below; a source still running when another fails must not count as unhandled.
    step.catch(() => {})
    return step
  }
  const running = new Map<number, Promise<Step>>(iterators.map((_, index) => [index, next(index)]))
  try {
    while (running.size > 0) {
      const { index, result } = await Promise.race(running.values())
      if (result.done) {
        running.delete(index)
        continue
      }
      running.set(index, next(index))
      yield result.value
    }
  } finally {
    for (const index of running.keys()) void iterators[index]?.return?.()?.catch(() => {})
  }
}
