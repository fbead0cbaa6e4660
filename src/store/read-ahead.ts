/**
 * Maps each item of an async iterable in order, starting the work for an item before the previous
 * result is handed out, so that a page's read overlaps the next SCAN: at most two are in flight.
 */
export async function* readAhead<Item, Result>(
  source: AsyncIterable<Item>,
  work: (item: Item) => Promise<Result>,
): AsyncGenerator<Result> {
  let pending: Promise<Result> | undefined
  for await (const item of source) {
    const started = work(item)
    // Its failure is reported when it is awaited below; until then it must not count as unhandled.
    started.catch(() => {})
    if (pending) yield await pending
    pending = started
  }
  if (pending) yield await pending
}
