import { tracingChannel } from 'node:diagnostics_channel'
import { type Address, callsOn, connect, ourStore } from './clients.js'
import { populate, sampleSession, timed, type VariantsResult } from './operations.js'
import { alternate, medianRates, ratio } from './rounds.js'
import { settings } from './settings.js'

/** get and set at concurrency 64 with nobody listening on the store's channels, and with a trivial subscriber. */
export interface TracingResult {
  get: VariantsResult
  set: VariantsResult
}

const NOBODY = 'no subscriber'
const SUBSCRIBED = 'a subscriber on every event'

/** A subscriber that does trivial work on every event of the get and set channels, until the returned stop. */
function subscribe(): () => void {
  let events = 0
  const count = () => {
    events++
  }
  const handlers = { start: count, end: count, asyncStart: count, asyncEnd: count, error: count }
  const channels = ['get', 'set'].map((method) => tracingChannel(`redis-session-store:${method}`))
  for (const channel of channels) channel.subscribe(handlers)
  return () => {
    for (const channel of channels) channel.unsubscribe(handlers)
    if (events === 0) throw new Error('the subscriber heard nothing')
  }
}

async function compare(server: Address, work: (sid: string) => Promise<unknown>) {
  const setup = await connect(server)
  const count = settings.operations.count[64] ?? 1_000
  const round = async (subscribed: boolean) => {
    await populate(setup, 'tracing:', count)
    const stop = subscribed ? subscribe() : undefined
    try {
      return await timed(count, 64, (i) => work(`s${i}`))
    } finally {
      stop?.()
    }
  }
  const samples = await alternate(
    [
      { name: NOBODY, round: () => round(false) },
      { name: SUBSCRIBED, round: () => round(true) },
    ],
    settings.rounds,
  )
  const opsPerSecond = medianRates(samples)
  await setup.flushAll()
  return { opsPerSecond, ratio: ratio(opsPerSecond[SUBSCRIBED] ?? 0, opsPerSecond[NOBODY] ?? 0) }
}

/** What a subscriber costs the store's calls, side by side in alternating rounds on one client. */
export async function benchTracing(server: Address): Promise<TracingResult> {
  const calls = callsOn(ourStore(await connect(server), { prefix: 'tracing:' }))
  const session = sampleSession()
  const result = {
    get: await compare(server, (sid) => calls.get(sid)),
    set: await compare(server, (sid) => calls.set(sid, session)),
  }
  console.log('[bench] tracing:', JSON.stringify(result))
  return result
}
