import { standaloneInspector } from './helpers/inspector.js'
import { standaloneRaw } from './helpers/raw-commands.js'
import { startSentinel } from './helpers/sentinel.js'
import { sentinelClients } from './helpers/topology-clients.js'
import { userSessionsSuite } from './suites/user-sessions.js'

// The index scripts write, so they must reach the master through the sentinel-aware client.
const servers = await startSentinel()

const suites = Object.entries(sentinelClients).map(([name, connect]) =>
  userSessionsSuite(`sentinel-managed master and replica, ${name}`, {
    connect: () => connect(servers.sentinels, servers.name),
    inspector: () => standaloneInspector(servers.master),
    raw: () => standaloneRaw(servers.master),
  }),
)
suites.at(-1)?.after(() => servers.stop())
for (const test of suites) test.run()
