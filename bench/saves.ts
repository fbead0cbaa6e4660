import type { SessionData } from 'express-session'
import { type Address, callsOn, connect, connectRedisStore, ourStore } from './clients.js'
import { populate, sampleSession, timed } from './operations.js'
import { alternate, medianRates, ratio } from './rounds.js'
import { settings } from './settings.js'

/** The kinds of save measured, each at concurrency 64, beside a plain SET EX of the same text. */
const KINDS = [
  'raw node-redis SET EX',
  'connect-redis set',
  'this store, a plain object (written as it is)',
  'this store, loaded and unchanged (resave: true)',
  'this store, loaded and changed',
  'this store, loaded and changed, after another request saved it',
] as const

export interface SavesResult {
  /** Bytes of stored JSON per session. */
  bytes: number
  /** Median saves per second, by kind. */
  opsPerSecond: Record<string, number>
  /** Each kind's median divided by the plain SET's. */
  ratioVsRawSet: Record<string, number>
}

const SAVES_BYTES_PER_ROUND = 100_000_000

const sessionOf = (bytes: number): SessionData => {
  const session = sampleSession() as SessionData & { notes?: string }
  const base = JSON.stringify(session).length
  if (bytes > base) session.notes = 'x'.repeat(bytes - base - 12)
  return session
}

/**
 * What concurrent-save safety costs: saves of sessions that came from get(), changed or not, with and without
 * another request's save in between, against connect-redis and a plain SET, at 300 B and 24 KB.
 */
export async function benchSaves(server: Address): Promise<SavesResult[]> {
  const setup = await connect(server)
  const results: SavesResult[] = []
  for (const bytes of [300, 24_000]) {
    // Each round stores every session afresh: large ones are fewer, so that a round stays ~100 MB.
    const count = Math.min(settings.operations.count[64] ?? 1_000, Math.floor(SAVES_BYTES_PER_ROUND / bytes))
    const session = sessionOf(bytes)
    const text = JSON.stringify(session)
    const raw = await connect(server)
    const connectRedis = callsOn(connectRedisStore(await connect(server), 'saves:cr:'))
    const ours = callsOn(ourStore(await connect(server), { prefix: 'saves:ours:' }))
    const loadAll = async (changedBySomeoneElse: boolean) => {
      await populate(setup, 'saves:ours:', count, text)
      const loaded: Array<Record<string, unknown>> = []
      for (let i = 0; i < count; i += 500) {
        const page = await Promise.all(
          Array.from({ length: Math.min(500, count - i) }, (_, j) => ours.get(`s${i + j}`)),
        )
        loaded.push(...(page as Array<Record<string, unknown>>))
      }
      if (changedBySomeoneElse) await populate(setup, 'saves:ours:', count, JSON.stringify({ ...session, other: 1 }))
      return loaded
    }
    const saveLoaded = (change: boolean, conflict: boolean) => async () => {
      const loaded = await loadAll(conflict)
      if (change) for (const [i, one] of loaded.entries()) one.visits = i
      return timed(count, 64, (i) => ours.set(`s${i}`, loaded[i] as unknown as SessionData))
    }
    const rounds = [
      { name: KINDS[0], round: () => timed(count, 64, (i) => raw.set(`saves:raw:s${i}`, text, { EX: 86_400 })) },
      { name: KINDS[1], round: () => timed(count, 64, (i) => connectRedis.set(`s${i}`, session)) },
      { name: KINDS[2], round: () => timed(count, 64, (i) => ours.set(`s${i}`, session)) },
      { name: KINDS[3], round: saveLoaded(false, false) },
      { name: KINDS[4], round: saveLoaded(true, false) },
      { name: KINDS[5], round: saveLoaded(true, true) },
    ]
    const samples = await alternate(rounds, settings.rounds)
    const opsPerSecond = medianRates(samples)
    const reference = opsPerSecond[KINDS[0]] ?? 0
    const ratioVsRawSet = Object.fromEntries(
      Object.entries(opsPerSecond).map(([name, value]) => [name, ratio(value, reference)]),
    )
    console.log(`[bench] saves of ${bytes} B at concurrency 64:`, JSON.stringify(ratioVsRawSet))
    results.push({ bytes: text.length, opsPerSecond, ratioVsRawSet })
    await setup.flushAll()
  }
  return results
}
