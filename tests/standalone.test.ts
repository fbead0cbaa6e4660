import { CLIENT_LIBRARIES, connectClient, connectGlide, GLIDE } from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { sharedServer, startRedis } from './helpers/servers.js'
import { conformance } from './suites/conformance.js'

const server = sharedServer(startRedis)

const suites = CLIENT_LIBRARIES.map((library) =>
  conformance(`standalone server, ${library}`, {
    connect: async () => connectClient(library, await server()),
    inspector: async () => standaloneInspector(await server()),
  }),
)
suites.push(
  conformance(`standalone server, ${GLIDE}`, {
    connect: async () => connectGlide(await server()),
    inspector: async () => standaloneInspector(await server()),
  }),
)
suites.at(-1)?.after(server.stop)
for (const test of suites) test.run()
