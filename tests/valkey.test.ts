import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { conformance } from './conformance.js'
import { standaloneClients } from './helpers/clients.js'
import { standaloneInspector } from './helpers/inspector.js'
import { findOnPath } from './helpers/redis-binary.js'
import { infoFields, redisCli } from './helpers/redis-cli.js'
import { loopbackServerArgs, startServerProcess } from './helpers/server-process.js'

// Valkey is tested where it is installed (.ci/run installs it when the machine's package sources offer it).
const binary = process.env.VALKEY_SERVER_BINARY || findOnPath('valkey-server')

if (binary) {
  const server = await startServerProcess({
    binary,
    args: loopbackServerArgs,
  })
  const identity = suite('valkey-server')
  identity('is Valkey, not Redis under another name', async () => {
    const info = infoFields(await redisCli(server.port, 'INFO', 'server'))
    assert.is(info.get('server_name'), 'valkey')
    console.log(`[valkey] testing Valkey ${info.get('valkey_version')}`)
  })
  identity.run()
  const suites = Object.entries(standaloneClients).map(([name, connect]) =>
    conformance(`valkey-server, ${name}`, {
      connect: () => connect(server),
      inspector: () => standaloneInspector(server),
    }),
  )
  suites.at(-1)?.after(() => server.stop())
  for (const test of suites) test.run()
} else {
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
}
