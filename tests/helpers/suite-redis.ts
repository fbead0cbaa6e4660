import type { createClient } from 'redis'
import type { Test } from 'uvu'
import { type ClientHandle, type ClientLibrary, connectClient } from './clients.js'
import { type Inspector, standaloneInspector } from './inspector.js'
import { type RedisOptions, type ServerProcess, startRedis } from './servers.js'

/** A node-redis 6 client with its own types, for a test that sends commands through the client it gives the store. */
export type NodeRedisClient = ReturnType<typeof createClient>

/** Where a suite runs: a way to get a fresh client, and a way to look at Redis directly. */
export interface RedisTarget {
  connect(): Promise<ClientHandle>
  inspector(): Promise<Inspector>
}

export interface Connected {
  handle: ClientHandle
  redis: Inspector
}

/** The target's client and inspector, made in the suite's `before` hook and closed in its `after` hook; `use` is handed them. */
export function connectedFor(test: Test, target: RedisTarget, use: (connected: Connected) => void): void {
  let connected: Partial<Connected> = {}
  test.before(async () => {
    connected = { handle: await target.connect() }
    connected.redis = await target.inspector()
    use(connected as Connected)
  })
  test.after(async () => {
    await connected.handle?.close()
    await connected.redis?.close()
  })
}

export interface SuiteRedis extends Connected {
  server: ServerProcess
  /** The handle's client with node-redis 6's own types, for a test that also sends commands through it (node-redis 6 only). */
  readonly nodeRedis: NodeRedisClient
}

export interface SuiteRedisOptions extends RedisOptions {
  /** The library of the client (node-redis 6 unless told). */
  library?: ClientLibrary
  /** A server the file's suites share (sharedServer()), which this suite leaves running; else one of its own. */
  server?: () => Promise<ServerProcess>
}

/**
 * For one suite, in its `before` hook: a redis-server of its own (or the shared one given), a client
 * of `library` on it and an inspector, handed to `use`. In its `after` hook they are closed and a
 * server of its own stopped, also when a test failed.
 */
export function redisFor(test: Test, use: (started: SuiteRedis) => void): void
export function redisFor(test: Test, options: SuiteRedisOptions, use: (started: SuiteRedis) => void): void
export function redisFor(
  test: Test,
  ...[options, use]: [(started: SuiteRedis) => void] | [SuiteRedisOptions, (started: SuiteRedis) => void]
): void {
  if (typeof options === 'function') {
    redisFor(test, {}, options)
    return
  }
  if (!use) throw new TypeError('redisFor: no callback')
  const { library = 'node-redis 6', server: shared, ...redisOptions } = options
  let server: ServerProcess | undefined
  test.before(async () => {
    server = await (shared ?? (() => startRedis(redisOptions)))()
  })
  connectedFor(
    test,
    {
      connect: () => connectClient(library, server as ServerProcess),
      inspector: () => standaloneInspector(server as ServerProcess),
    },
    (connected) =>
      use({
        ...connected,
        server: server as ServerProcess,
        get nodeRedis() {
          if (library !== 'node-redis 6') throw new TypeError(`nodeRedis: the suite's client is ${library}`)
          return connected.handle.client as NodeRedisClient
        },
      }),
  )
  // Registered after connectedFor's hook, so that it runs after the clients are closed.
  test.after(async () => {
    if (!shared) await server?.stop()
  })
}
