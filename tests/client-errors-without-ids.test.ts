import { inspect } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { userIndexPrefixFor } from '../src/features/user-sessions/user-index.js'
import { createRedisStore } from '../src/index.js'
import { CLIENT_LIBRARIES, type ClientHandle, connectClient, connectGlide, GLIDE } from './helpers/clients.js'
import { type ServerInspector, standaloneInspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'

// A session id is a credential, and errors get logged. ioredis and iovalkey put the failed command's arguments on
// their errors (keys, so session ids; values, so session data): the store's errors must not carry them.
const running = sharedServer(startRedis)
const SID = 'a-session-id-that-signs-someone-in'
const SECRET_DATA = 'data-only-the-session-holds'

const librariesAndGlide = [...CLIENT_LIBRARIES, GLIDE] as const

const suites = librariesAndGlide.map((library) => {
  const test = suite(`a client's errors carry no session id nor session data: ${library}`)
  let handle: ClientHandle
  let redis: ServerInspector
  test.before(async () => {
    const server = await running()
    handle = library === GLIDE ? await connectGlide(server) : await connectClient(library, server)
    redis = await standaloneInspector(server)
  })
  test.after(async () => {
    await handle?.close()
    await redis?.close()
  })

  const told = (error: unknown) => inspect(error, { depth: 8 })
  const refusedWithoutSecrets = async (what: string, call: () => Promise<unknown>) => {
    const error = await call().then(
      () => undefined,
      (refusal: unknown) => refusal,
    )
    assert.ok(error instanceof Error, `${what} was refused`)
    assert.not.ok(told(error).includes(SID), `${what}: the session id in ${told(error)}`)
    assert.not.ok(told(error).includes(SECRET_DATA), `${what}: session data in ${told(error)}`)
  }

  test('a command the server refuses (GET of a list)', async () => {
    const prefix = uniquePrefix('e')
    await redis.send(['RPUSH', prefix + SID, 'not a session'])
    const store = createRedisStore({ client: handle.client, prefix })
    await refusedWithoutSecrets('get()', () => store.get(SID))
  })

  test('a script the server refuses (the user index is not a sorted set)', async () => {
    const prefix = uniquePrefix('e')
    await redis.set(`${userIndexPrefixFor(prefix)}ada`, 'not an index')
    const store = createRedisStore({ client: handle.client, prefix, userId: (s) => (s as { user?: string }).user })
    await refusedWithoutSecrets('set()', () => store.set(SID, sessionFor({ user: 'ada', secret: SECRET_DATA })))
    // destroy() of a signed-in session reads what it deletes, with a script: GET of a list fails in it.
    await redis.send(['RPUSH', `${prefix}${SID}-2`, 'not a session'])
    await refusedWithoutSecrets('destroy()', () => store.destroy(`${SID}-2`))
  })
  return test
})
suites.at(-1)?.after(running.stop)
for (const test of suites) test.run()
