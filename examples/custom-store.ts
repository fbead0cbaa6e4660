// A store of your own from the package's helpers: here, sessions namespaced per tenant, read with
// the same key scheme, TTL rules and codec as the built-in store, and listed with scanKeys.
import { createClient } from 'redis'
import { decode, encode, jsonSerializer, keyFor, type SessionRecord, scanKeys, ttlFor } from 'redis-session-store'

/** All this store needs of a client: node-redis here; scanKeys accepts any client the store accepts. */
interface Commands {
  get(key: string): Promise<string | null>
  set(key: string, value: string, options: { EX: number }): Promise<unknown>
}

export function tenantSessions(client: Commands, tenant: string) {
  const prefix = `tenant:${tenant}:sess:`
  const keyOf = keyFor(prefix)
  const secondsToLive = ttlFor(3600)
  const toText = encode(jsonSerializer)
  const fromText = decode(jsonSerializer)

  return {
    async save(sid: string, session: SessionRecord) {
      await client.set(keyOf(sid), toText(session, sid), { EX: secondsToLive(session) })
    },
    async load(sid: string) {
      const text = await client.get(keyOf(sid))
      return text ? fromText(text, sid) : null
    },
    async count() {
      let total = 0
      for await (const keys of scanKeys(client, { prefix })) total += keys.length
      return total
    },
  }
}

const client = createClient()
await client.connect()
const sessions = tenantSessions(client, 'acme')
const session: SessionRecord & { user: string } = { cookie: { expires: new Date(Date.now() + 60_000) }, user: 'ada' }
await sessions.save('sid-1', session)
console.log(await sessions.load('sid-1'), await sessions.count())
await client.quit()
