import { standaloneClients } from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { startRedis } from './helpers/redis-server.js'
import { conformance } from './suites/conformance.js'

const server = await startRedis()

const suites = Object.entries(standaloneClients).map(([name, connect]) =>
  conformance(`standalone server, ${name}`, {
    connect: () => connect(server),
    inspector: () => standaloneInspector(server),
  }),
)
suites.at(-1)?.after(() => server.stop())
for (const test of suites) test.run()
