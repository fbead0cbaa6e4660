import { Decoder } from '@valkey/valkey-glide'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../src/index.js'
import { type ClientHandle, connectGlide } from './helpers/clients.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { sessionFor, type TestSession, uniquePrefix } from './helpers/sessions.js'

const test = suite('a Valkey GLIDE client whose defaultDecoder answers Buffers')
let redis: ServerProcess
let handle: ClientHandle

test.before(async () => {
  redis = await startRedis()
  handle = await connectGlide(redis, { defaultDecoder: Decoder.Bytes })
})
test.after(async () => {
  await handle?.close()
  await redis?.stop()
})

test('reads sessions, ids and user sessions as text', async () => {
  const store = createRedisStore({
    client: handle.client,
    prefix: uniquePrefix('bytes'),
    scanCount: 7,
    userId: (session) => (session as TestSession).user as string | undefined,
  })
  const sids = Array.from({ length: 20 }, (_, i) => `s${i}`)
  for (const sid of sids) await store.set(sid, sessionFor({ user: 'ada' }))
  assert.equal(await store.get('s3'), sessionFor({ user: 'ada' }))
  const ids = await store.ids()
  assert.ok(
    ids.every((id) => typeof id === 'string'),
    'ids are text',
  )
  assert.equal([...ids].sort(), [...sids].sort())
  assert.equal((await store.all()).length, sids.length)
  assert.equal((await store.userSessions('ada')).sort(), [...sids].sort())
  assert.is(await store.destroyUserSessions('ada'), sids.length)
  assert.is(await store.length(), 0)
})

test.run()
