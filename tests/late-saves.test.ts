import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupportedClient } from '../src/index.js'
import { createRedisStore, type RedisSessionStore } from '../src/index.js'
import { type ClientHandle, connectClient } from './helpers/clients.js'
import { expressWithSession, sidIn } from './helpers/express-app.js'
import { holdFirst } from './helpers/held-commands.js'
import type { Inspector } from './helpers/inspector.js'
import type { ServerProcess } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'
import { redisFor } from './helpers/suite-redis.js'

/*
 * A save whose write is answered after the store's timeout (held here; in life, an outage or a frozen
 * server) has already been reported to its request as ERR_STORE_TIMEOUT. When its write finally lands and
 * finds saves made since, it must not merge its old values over theirs.
 */
const test = suite('a save answered after its timeout')
let redis: Inspector
let handle: ClientHandle
let server: ServerProcess
redisFor(test, { library: 'ioredis 6' }, (started) => ({ redis, handle, server } = started))

const TIMEOUT_MS = 300

/** POST /count adds one to the session's count and answers it, or 500 with the error's code. */
async function counterApp(store: RedisSessionStore) {
  const app = expressWithSession(store)
  app.post('/count', (req, res, next) => {
    const data = req.session as unknown as { count?: number }
    data.count = (data.count ?? 0) + 1
    req.session.save((error) => (error ? next(error) : res.send(String(data.count))))
  })
  app.use(
    (error: { code?: string }, _req: unknown, res: { status(n: number): { send(s: string): void } }, _next: unknown) =>
      res.status(500).send(String(error.code)),
  )
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

test('does not put back values older than the saves made since it timed out', async () => {
  const prefix = uniquePrefix('late')
  const other = await connectClient('ioredis 6', server)
  const { client, held } = holdFirst(handle.client as object, (method, args) => {
    const key = args[2]
    return method === 'evalsha' && typeof key === 'string' && key.startsWith(prefix)
  })
  const slow = await counterApp(createRedisStore({ client: client as SupportedClient, prefix, timeout: TIMEOUT_MS }))
  const fast = await counterApp(createRedisStore({ client: other.client, prefix, timeout: TIMEOUT_MS }))
  let cookie = ''
  const count = async (url: string) => {
    const response = await fetch(`${url}/count`, { method: 'POST', headers: cookie ? { cookie } : {} })
    cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie
    return { status: response.status, body: await response.text() }
  }
  try {
    assert.equal(await count(fast.url), { status: 200, body: '1' })
    // Its write held past the timeout: the request is answered with the timeout, count 2 unsaved.
    assert.equal(await count(slow.url), { status: 500, body: 'ERR_STORE_TIMEOUT' })
    assert.equal(await count(fast.url), { status: 200, body: '2' })
    assert.equal(await count(fast.url), { status: 200, body: '3' })
    held.release()
    // The late write finds count 3 where it expected 1; a merge would have written its 2 within a round trip.
    await sleep(300)
    const stored = JSON.parse((await redis.get(`${prefix}${sidIn(cookie)}`)) ?? '{}') as { count?: number }
    assert.is(stored.count, 3)
    assert.equal(await count(fast.url), { status: 200, body: '4' })
  } finally {
    await slow.close()
    await fast.close()
    await other.close()
  }
})

test.run()
