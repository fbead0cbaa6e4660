/** One multi-key read the store sent for a page of keys, and what Redis answered. */
export interface PageRead {
  keys: string[]
  /** Redis's answer, once it has come. */
  values: Array<string | null> | undefined
}

export interface PageReads {
  /** Every MGET since the watch began, in the order the store sent them. */
  reads: PageRead[]
  stop(): void
}

type Method = (...args: unknown[]) => Promise<unknown[]>

/**
 * Watches the MGETs a store sends on a node-redis (`mGet`) or ioredis (`mget`) client: each is recorded with Redis's
 * answer, and `beforeRead` runs, and is awaited, after the store asked for a page and before the MGET goes out. A gate
 * in which a test can change Redis between a SCAN reply and the read of its keys; the commands still go to the real
 * server, unchanged.
 */
export function watchPageReads(
  client: unknown,
  beforeRead?: (keys: string[], index: number) => Promise<void> | void,
): PageReads {
  const target = client as Record<string, Method>
  const name = typeof target.mGet === 'function' ? 'mGet' : 'mget'
  const original = target[name]
  if (typeof original !== 'function') throw new Error('the client has neither mGet nor mget')
  const own = Object.hasOwn(target, name)
  const reads: PageRead[] = []
  target[name] = async function watched(this: unknown, ...args: unknown[]) {
    const keys = (name === 'mGet' ? [...(args[0] as string[])] : args).map(String)
    const read: PageRead = { keys, values: undefined }
    reads.push(read)
    await beforeRead?.(keys, reads.length - 1)
    const values = await original.apply(this, args)
    read.values = values.map((value) => (value == null ? null : String(value)))
    return values
  }
  return {
    reads,
    stop() {
      if (own) target[name] = original
      else delete target[name]
    },
  }
}
