import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../src/index.js'
import { standaloneInspector } from './helpers/inspector.js'
import { infoCounter } from './helpers/redis-cli.js'
import { sharedServer, startSentinel } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { type ConnectSentinel, sentinelClients } from './helpers/topology-clients.js'
import { conformance } from './suites/conformance.js'

const running = sharedServer(startSentinel)
const connectTo = (connect: ConnectSentinel) => async () => {
  const { sentinels, name } = await running()
  return connect(sentinels, name)
}

function sentinelRouting(name: string, connect: ConnectSentinel) {
  const test = suite(`sentinel routing, ${name}`)

  test('lists sessions from the master, not the replica', async () => {
    const servers = await running()
    const handle = await connectTo(connect)()
    try {
      const prefix = uniquePrefix('sentinel')
      const store = createRedisStore({ client: handle.client, prefix, scanCount: 10 })
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.set(`s${i}`, sessionFor())))
      const scans = (port: number) => infoCounter(port, 'commandstats', 'cmdstat_scan', 'calls')
      const [masterBefore, replicaBefore] = [await scans(servers.master.port), await scans(servers.replica.port)]
      assert.is(await store.length(), 50)
      assert.ok((await scans(servers.master.port)) > masterBefore)
      assert.is(await scans(servers.replica.port), replicaBefore)
      await store.clear()
      assert.is(await store.length(), 0)
    } finally {
      await handle.close()
    }
  })

  return test
}

const suites = Object.entries(sentinelClients).flatMap(([name, connect]) => [
  conformance(`sentinel-managed master and replica, ${name}`, {
    connect: connectTo(connect),
    inspector: async () => standaloneInspector((await running()).master),
  }),
  sentinelRouting(name, connect),
])
suites.at(-1)?.after(running.stop)
for (const test of suites) test.run()
