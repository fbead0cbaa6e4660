import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../src/index.js'
import { connectSentinel, SENTINEL_LIBRARIES, type SentinelLibrary, sentinelClientName } from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { infoCounter } from './helpers/redis-cli.js'
import { sharedServer, startSentinel } from './helpers/servers.js'
import { sessionFor, uniquePrefix } from './helpers/sessions.js'
import { conformance } from './suites/conformance.js'

const running = sharedServer(startSentinel)
const connectTo = (library: SentinelLibrary) => async () => {
  const { sentinels, name } = await running()
  return connectSentinel(library, sentinels, name)
}

function sentinelRouting(library: SentinelLibrary) {
  const test = suite(`sentinel routing, ${sentinelClientName(library)}`)

  test('lists sessions from the master, not the replica', async () => {
    const servers = await running()
    const handle = await connectTo(library)()
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

const suites = SENTINEL_LIBRARIES.flatMap((library) => [
  conformance(`sentinel-managed master and replica, ${sentinelClientName(library)}`, {
    connect: connectTo(library),
    inspector: async () => standaloneInspector((await running()).master),
  }),
  sentinelRouting(library),
])
suites.at(-1)?.after(running.stop)
for (const test of suites) test.run()
