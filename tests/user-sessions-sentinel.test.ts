import { connectSentinel, SENTINEL_LIBRARIES, sentinelClientName } from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { sharedServer, startSentinel } from './helpers/servers.js'
import { userSessionsSuite } from './suites/user-sessions.js'

// The index scripts write, so they must reach the master through the sentinel-aware client.
const servers = sharedServer(startSentinel)

const suites = SENTINEL_LIBRARIES.map((library) =>
  userSessionsSuite(`sentinel-managed master and replica, ${sentinelClientName(library)}`, {
    connect: async () => {
      const { sentinels, name } = await servers()
      return connectSentinel(library, sentinels, name)
    },
    inspector: async () => standaloneInspector((await servers()).master),
  }),
)
suites.at(-1)?.after(servers.stop)
for (const test of suites) test.run()
