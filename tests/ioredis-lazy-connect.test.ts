import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../src/index.js'
import { type ClientHandle, LAZY_CONNECT_LIBRARIES, startLazyClient } from './helpers/clients.js'
import { waitFor } from './helpers/poll.js'
import { type ServerProcess, startRedis, startSilentServer } from './helpers/servers.js'
import { codeOf, sessionFor, uniquePrefix } from './helpers/sessions.js'

const CONCURRENT_CALLS = 20

const test = suite('an ioredis client created with lazyConnect, handed to the store before it ever connected')
let server: ServerProcess
const handles: ClientHandle[] = []

test.before(async () => {
  server = await startRedis()
})
test.after.each(async () => {
  for (const handle of handles.splice(0)) await handle.close()
})
test.after(async () => {
  await server.stop()
})

/** A lazy client of the library, not connected, and a store on it that records its connection events. */
function lazyStore(library: (typeof LAZY_CONNECT_LIBRARIES)[number], address: { host: string; port: number }) {
  const handle = startLazyClient(library, address)
  handles.push(handle)
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('lazy'), timeout: 5_000 })
  const heard: string[] = []
  for (const event of ['connect', 'disconnect'] as const) store.on(event, () => heard.push(event))
  return { handle, store, heard, status: () => (handle.client as { status: string }).status }
}

for (const library of LAZY_CONNECT_LIBRARIES) {
  test(`${library}: ${CONCURRENT_CALLS} concurrent calls made at creation all succeed while its first connection is made`, async () => {
    const { store, heard, status } = lazyStore(library, server)
    assert.is(status(), 'wait')
    const sids = Array.from({ length: CONCURRENT_CALLS / 2 }, (_, i) => `s${i}`)
    const calls = [
      ...sids.map((sid) => store.set(sid, sessionFor({ sid }))),
      ...sids.map((sid) => store.get(`other-${sid}`)),
    ]
    const outcomes = await Promise.allSettled(calls)
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => codeOf(outcome.reason))
    assert.equal(refused, [], `${refused.length} of ${calls.length} calls failed`)
    for (const sid of sids) assert.equal(await store.get(sid), sessionFor({ sid }))
    // express-session would take the store for unavailable, and run requests without sessions.
    assert.not.ok(heard.includes('disconnect'), `heard ${heard.join(', ')}`)
  })

  test(`${library}: once it has lost its connection, it fails fast while it reconnects`, async () => {
    const own = await startRedis()
    let silent: Awaited<ReturnType<typeof startSilentServer>> | undefined
    try {
      const { store, heard, status } = lazyStore(library, own)
      await store.set('before', sessionFor())
      await own.kill()
      await waitFor("the store's 'disconnect'", () => heard.includes('disconnect'), {
        timeoutMs: 10_000,
        intervalMs: 10,
      })
      // Where the server was, a server that accepts the reconnection and never answers its handshake: the client
      // stays in the middle of connecting, as it is during a first connection, but this is no first connection.
      silent = await startSilentServer(own.port)
      await waitFor('the client to reconnect to the silent server', () => status() === 'connect', {
        timeoutMs: 10_000,
        intervalMs: 10,
      })
      const error = await store.get('before').catch((e: unknown) => e)
      assert.is(codeOf(error), 'ERR_STORE_NOT_CONNECTED')
    } finally {
      await silent?.close()
      await own.stop()
    }
  })
}

test.run()
