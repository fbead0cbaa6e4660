import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../src/index.js'
import { type ClientHandle, connectClient, connectGlide, GLIDE } from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { redisFor } from './helpers/suite-redis.js'
import { sessionLimitSuite } from './suites/session-limit.js'

const running = sharedServer(startRedis)

const options = suite<{ handle: ClientHandle }>('maxSessionsPerUser: the option')
let handle: ClientHandle
redisFor(options, { server: running }, (started) => ({ handle } = started))

options('rejects a limit that is not a whole number of sessions, 1 or more, naming the option', () => {
  for (const maxSessionsPerUser of [0, -1, 1.5, '2', Number.NaN, null]) {
    assert.throws(
      () =>
        createRedisStore({
          client: handle.client,
          userId: () => undefined,
          maxSessionsPerUser: maxSessionsPerUser as never,
        }),
      (error: unknown) => error instanceof TypeError && /"maxSessionsPerUser"/.test(error.message),
    )
  }
})

options('rejects a limit without the userId option, which tells whose a session is', () => {
  assert.throws(
    () => createRedisStore({ client: handle.client, maxSessionsPerUser: 3 }),
    (error: unknown) =>
      error instanceof TypeError && /"maxSessionsPerUser" needs the userId option/.test(error.message),
  )
})

const suites = (['node-redis 6', 'node-redis 4', 'ioredis 6'] as const).map((library) =>
  sessionLimitSuite(`standalone server, ${library}`, {
    connect: async () => connectClient(library, await running()),
    inspector: async () => standaloneInspector(await running()),
  }),
)
suites.push(
  sessionLimitSuite(`standalone server, ${GLIDE}`, {
    connect: async () => connectGlide(await running()),
    inspector: async () => standaloneInspector(await running()),
  }),
)
suites.at(-1)?.after(running.stop)
options.run()
for (const test of suites) test.run()
