import { createClient } from 'redis'
import { createRedisStore } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
await client.connect()
const store = createRedisStore({ client, prefix: 'myapp:' })

// One page of keys at a time (SCAN, then one MGET per page): memory stays that of a page, whatever
// the number of sessions. A session that expires meanwhile is skipped; SCAN may report one twice.
const perUser = new Map<string, number>()
for await (const session of store.sessions()) {
  const user = (session as { user?: string }).user ?? '(anonymous)'
  perUser.set(user, (perUser.get(user) ?? 0) + 1)
}
console.log(perUser)

await client.close()
