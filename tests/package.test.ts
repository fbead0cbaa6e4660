import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import session from 'express-session'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// The built package, through its own exports map, as users load it (npm test builds first).
const require = createRequire(import.meta.url)
const test = suite('the published package')

const PUBLIC_NAMES = ['createRedisStore', 'RedisStore', 'keyFor', 'ttlFor', 'encode', 'decode', 'scanKeys']

test('named exports load with import, and there is no default export', async () => {
  const esm = await import('redis-session-store')
  for (const name of PUBLIC_NAMES) assert.type((esm as Record<string, unknown>)[name], 'function', name)
  assert.not.ok('default' in esm)
})

test('the same named exports load with require', () => {
  const cjs = require('redis-session-store')
  for (const name of PUBLIC_NAMES) assert.type(cjs[name], 'function', name)
  assert.is(cjs.default, undefined)
})

test("redis-session-store/connect is connect-redis's old entry: require(...)(session) gives the class", () => {
  const connect = require('redis-session-store/connect')
  assert.type(connect, 'function')
  const LegacyRedisStore = connect(session)
  assert.is(LegacyRedisStore.prototype instanceof session.Store, true)
  assert.throws(() => new LegacyRedisStore({ client: {} }), /option "client" must be/)
})

const ROOT = resolve(import.meta.dirname, '..')

/**
 * A CommonJS TypeScript project as older apps have it (`moduleResolution: node10`, which reads no
 * exports map), with this package and this checkout's other packages in its node_modules: tsc's
 * complaints about `source`, or none.
 */
async function typeCheckAsNode10(source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-session-store-node10-'))
  try {
    await mkdir(join(dir, 'node_modules'))
    for (const name of await readdir(join(ROOT, 'node_modules'))) {
      if (!name.startsWith('.')) await symlink(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name))
    }
    await symlink(ROOT, join(dir, 'node_modules', 'redis-session-store'))
    const compilerOptions = {
      module: 'commonjs',
      moduleResolution: 'node10',
      strict: true,
      noEmit: true,
      types: ['node'],
    }
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['app.ts'] }))
    await writeFile(join(dir, 'app.ts'), source)
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    return await promisify(execFile)(process.execPath, [tsc, '-p', dir]).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('both entries type-check in a CommonJS project with moduleResolution node10', async () => {
  const complaints = await typeCheckAsNode10(`
    import session = require('express-session')
    import connect = require('redis-session-store/connect')
    import { createRedisStore, RedisStore } from 'redis-session-store'
    const LegacyRedisStore = connect(session)
    export const stores = [LegacyRedisStore, RedisStore, createRedisStore]
  `)
  assert.is(complaints, '')
})

test.run()
