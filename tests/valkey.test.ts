import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CLIENT_LIBRARIES, connectClient, connectGlide, GLIDE } from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { infoFields, redisCli } from './helpers/redis-cli.js'
import { sharedServer, startValkey, valkeyIsInstalled } from './helpers/servers.js'
import { conformance } from './suites/conformance.js'

// Valkey is tested where it is installed (.ci/run installs it when the machine's package sources offer it).
if (!valkeyIsInstalled()) {
  const reason =
    'valkey-server is not on PATH (and VALKEY_SERVER_BINARY is not set); on Debian bookworm it comes from bookworm-backports'
  const missing = suite('valkey-server')
  // The README's Valkey column is a claim CI must check: there a missing server is a failure, not a skip.
  if (process.env.CI && process.env.CI !== 'false') {
    missing('is installed, as .ci/run installs it', () => assert.unreachable(reason))
  } else {
    console.log(`[valkey] SKIPPING the Valkey conformance suite: ${reason}`)
    missing.skip(`passes the conformance suite (skipped: ${reason})`)
  }
  missing.run()
} else {
  const server = sharedServer(startValkey)
  const identity = suite('valkey-server')
  identity('is Valkey, not Redis under another name', async () => {
    const info = infoFields(await redisCli((await server()).port, 'INFO', 'server'))
    assert.is(info.get('server_name'), 'valkey')
    console.log(`[valkey] testing Valkey ${info.get('valkey_version')}`)
  })
  identity.run()
  const suites = CLIENT_LIBRARIES.map((library) =>
    conformance(`valkey-server, ${library}`, {
      connect: async () => connectClient(library, await server()),
      inspector: async () => standaloneInspector(await server()),
    }),
  )
  suites.push(
    conformance(`valkey-server, ${GLIDE}`, {
      connect: async () => connectGlide(await server()),
      inspector: async () => standaloneInspector(await server()),
    }),
  )
  suites.at(-1)?.after(server.stop)
  for (const test of suites) test.run()
}
