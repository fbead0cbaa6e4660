import { createClient } from 'redis'
import { createRedisStore, DEFAULT_PREFIX, HASHED_ID_MARKER } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
await client.connect()

// Run once the whole fleet is on 'migrate', before switching it to true, with the options the application
// uses (prefix, serializer, userId): it moves every session still on its raw key (one nobody has visited
// since) to its hashed key, as its next visit would. It can run again; it only moves what is left.
const store = createRedisStore({ client, hashSessionIds: 'migrate' })
for await (const session of store.sessions()) {
  if (session.id.startsWith(HASHED_ID_MARKER)) continue
  // A touch renews the expiry from the stored cookie, which is that of the last save, not the last touch:
  // the key's own expiry is kept instead. (A key without one, under disableTTL, moves at its next save.)
  const milliseconds = await client.pTTL(DEFAULT_PREFIX + session.id)
  if (milliseconds <= 0) continue
  session.cookie.expires = new Date(Date.now() + milliseconds)
  await store.touch(session.id, session)
}
const left = (await store.ids()).filter((id) => !id.startsWith(HASHED_ID_MARKER))
console.log(`sessions still on raw keys: ${left.length}`)

await client.close()
