import { standaloneInspector } from './helpers/inspector.js'
import { standaloneRaw } from './helpers/raw-commands.js'
import { sharedServer, startSentinel } from './helpers/servers.js'
import { sentinelClients } from './helpers/topology-clients.js'
import { userSessionsSuite } from './suites/user-sessions.js'

// The index scripts write, so they must reach the master through the sentinel-aware client.
const servers = sharedServer(startSentinel)

const suites = Object.entries(sentinelClients).map(([name, connect]) =>
  userSessionsSuite(`sentinel-managed master and replica, ${name}`, {
    connect: async () => {
      const { sentinels, name } = await servers()
      return connect(sentinels, name)
    },
    inspector: async () => standaloneInspector((await servers()).master),
    raw: async () => standaloneRaw((await servers()).master),
  }),
)
suites.at(-1)?.after(servers.stop)
for (const test of suites) test.run()
