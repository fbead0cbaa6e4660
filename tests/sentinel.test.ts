import {
  connectSentinel,
  replicaReadingOptions,
  SENTINEL_LIBRARIES,
  type SentinelLibrary,
  sentinelClientName,
} from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { sharedServer, startSentinel } from './helpers/servers.js'
import { conformance } from './suites/conformance.js'
import { replicaReads } from './suites/replica-reads.js'

const running = sharedServer(startSentinel)
const connectTo =
  (library: SentinelLibrary, options: Record<string, unknown> = {}) =>
  async () => {
    const { sentinels, name } = await running()
    return connectSentinel(library, sentinels, name, options)
  }

const suites = SENTINEL_LIBRARIES.flatMap((library) => {
  const reads = replicaReadingOptions(library)
  return [
    conformance(`sentinel-managed master and replica, ${sentinelClientName(library)}`, {
      connect: connectTo(library),
      inspector: async () => standaloneInspector((await running()).master),
    }),
    replicaReads(`sentinel, ${sentinelClientName(library)}`, {
      connect: connectTo(library, reads.sentinel),
      roles: async () => {
        const { master, replica } = await running()
        return { masters: [master.port], replicas: [replica.port] }
      },
      options: reads.sentinel,
      masterPerCommand: reads.masterPerCommand,
    }),
  ]
})
suites.at(-1)?.after(running.stop)
for (const test of suites) test.run()
