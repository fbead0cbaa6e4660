import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore } from '../src/index.js'
import { type Address, connect, type NodeRedis } from './clients.js'
import { sampleSession, timed } from './operations.js'
import { startProbe } from './probe-process.js'
import { alternate, medianOf, medianRates, ratio, round } from './rounds.js'
import { settings } from './settings.js'

const PREFIX = 'users:'
const USER = 'bot'

export interface UserIndexResult {
  /** How many sessions the one user has. */
  sessions: number
  /** Medians over the rounds: time taken, and the slowest GET another client saw meanwhile (target < 25 ms). */
  list: { ms: number; worstGetMs: number }
  revoke: { ms: number; worstGetMs: number }
  /**
   * set() at concurrency 64, ops/s: of a signed-in session (with its index update), of an anonymous one, and of a
   * signed-in one under maxSessionsPerUser: below the limit (activity noted, nothing to enforce), and at it (every save
   * beyond the limit destroys the user's least recently active session).
   */
  saves: {
    signedIn: number
    anonymous: number
    signedInVsAnonymous: number
    belowLimit: number
    belowLimitVsSignedIn: number
    atLimit: number
    atLimitVsSignedIn: number
  }
}

/** One user with very many sessions: listing and revoking them beside a probe's GETs; the signed-in save's cost. */
export async function benchUserIndex(server: Address): Promise<UserIndexResult> {
  const setup = await connect(server)
  const userOf = (session: unknown) => (session as { userId?: string }).userId
  const store = createRedisStore({ client: await connect(server), prefix: PREFIX, userId: userOf })
  const limitedClient = await connect(server)
  // Each user saved five times a round (the same five sessions every round): ten is never reached, two always is.
  const below = createRedisStore({ client: limitedClient, prefix: 'limit10:', userId: userOf, maxSessionsPerUser: 10 })
  const at = createRedisStore({ client: limitedClient, prefix: 'limit2:', userId: userOf, maxSessionsPerUser: 2 })
  const { sessions, rounds } = settings.userIndex
  const probe = await startProbe(server)
  const list: Array<{ ms: number; worstGetMs: number }> = []
  const revoke: Array<{ ms: number; worstGetMs: number }> = []
  try {
    for (let r = 0; r < rounds; r++) {
      await setup.flushAll()
      await filed(setup, sessions)
      for (const [samples, work, expected] of [
        [list, async () => (await store.userSessions(USER)).length, sessions],
        [revoke, () => store.destroyUserSessions(USER), sessions],
      ] as const) {
        await probe.reset()
        const started = performance.now()
        const count = await work()
        const ms = performance.now() - started
        const { worstMs } = await probe.report()
        if (count !== expected) console.warn(`[bench] user index: ${count} of ${expected} sessions`)
        samples.push({ ms, worstGetMs: worstMs })
      }
      const left = await setup.dbSize()
      if (left > 1) console.warn(`[bench] user index: revoking left ${left} keys`)
    }
  } finally {
    await probe.stop()
  }
  await setup.flushAll()
  // A fresh object a call: the same object saved again would be a loaded session's unchanged save (an EXPIRE).
  // Signed-in sessions spread over a thousand users, as a site's are.
  const signedIn = (i: number) => ({ ...sampleSession(), userId: `user${i % 1_000}` })
  const fiveEach = (i: number) => ({ ...sampleSession(), userId: `user${Math.floor(i / 5)}` })
  const count = settings.operations.count[64] ?? 5_000
  const rates = medianRates(
    await alternate(
      [
        { name: 'signedIn', round: () => timed(count, 64, (i) => store.set(`in${i}`, signedIn(i))) },
        { name: 'anonymous', round: () => timed(count, 64, (i) => store.set(`anon${i}`, sampleSession())) },
        { name: 'belowLimit', round: () => timed(count, 64, (i) => below.set(`in${i}`, fiveEach(i))) },
        { name: 'atLimit', round: () => timed(count, 64, (i) => at.set(`in${i}`, fiveEach(i))) },
      ],
      settings.rounds,
    ),
  )
  await setup.flushAll()
  const medians = (samples: typeof list) => ({
    ms: round(medianOf(samples, (s) => s.ms)),
    worstGetMs: round(
      medianOf(samples, (s) => s.worstGetMs),
      2,
    ),
  })
  const result: UserIndexResult = {
    sessions,
    list: medians(list),
    revoke: medians(revoke),
    saves: {
      signedIn: rates.signedIn ?? Number.NaN,
      anonymous: rates.anonymous ?? Number.NaN,
      signedInVsAnonymous: ratio(rates.signedIn ?? Number.NaN, rates.anonymous ?? 0),
      belowLimit: rates.belowLimit ?? Number.NaN,
      belowLimitVsSignedIn: ratio(rates.belowLimit ?? Number.NaN, rates.signedIn ?? 0),
      atLimit: rates.atLimit ?? Number.NaN,
      atLimitVsSignedIn: ratio(rates.atLimit ?? Number.NaN, rates.signedIn ?? 0),
    },
  }
  console.log('[bench] user index:', JSON.stringify(result))
  return result
}

/** `size` sessions of one user as the store files them: each under its key, its id in the user's index. */
async function filed(client: NodeRedis, size: number): Promise<void> {
  const text = JSON.stringify({ ...sampleSession(), userId: USER })
  const indexKey = `${userIndexPrefixFor(PREFIX)}${USER}`
  const expiresAt = Date.now() + 86_400_000
  for (let start = 0; start < size; start += 1_000) {
    const multi = client.multi()
    for (let i = start; i < Math.min(size, start + 1_000); i++) {
      multi.set(`${PREFIX}u${i}`, text, { EX: 86_400 })
      multi.zAdd(indexKey, { score: expiresAt + i, value: `u${i}` })
    }
    await multi.exec()
  }
}
