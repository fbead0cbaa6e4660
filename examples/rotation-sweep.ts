import { createClient } from 'redis'
import { createEncryptedSerializer, createRedisStore } from 'redis-session-store'

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
client.on('error', (error) => console.error('redis:', error.message))
await client.connect()

// The application's secrets (the new one first, the old ones after it) and its other store options.
const secrets = (process.env.SESSION_ENCRYPTION_SECRETS ?? '').split(',').filter(Boolean)
const store = createRedisStore({ client, serializer: createEncryptedSerializer({ secrets }) })

// Visits re-encrypt a session under secrets[0]; this does it for the sessions nobody visits, page by
// page. Each keeps its data and its expiry, and one that changed or was destroyed since it was read is
// left as it is now. Once every instance runs with the new secret first and this has run, the old can go.
let read = 0
let rewritten = 0
for await (const session of store.sessions()) {
  read++
  if (await store.rewriteOutdated(session)) rewritten++
}
console.log(`rewrote ${rewritten} of ${read} sessions`)

await client.close()
