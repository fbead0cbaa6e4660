import { standaloneClients } from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { conformance } from './suites/conformance.js'

const server = sharedServer(startRedis)

const suites = Object.entries(standaloneClients).map(([name, connect]) =>
  conformance(`standalone server, ${name}`, {
    connect: async () => connect(await server()),
    inspector: async () => standaloneInspector(await server()),
  }),
)
suites.at(-1)?.after(server.stop)
for (const test of suites) test.run()
