import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A redis-server, valkey-server or redis-sentinel process these tests started, on 127.0.0.1. */
/** A server of the tests' own: on loopback, in its own directory, keeping nothing on disk unless asked. */
export const loopbackServerArgs = (port: number, dir: string): string[] => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--dir',
  dir,
  '--save',
  '',
  '--appendonly',
  'no',
]

export interface ServerProcess {
  host: string
  port: number
  pid: number
  /** The process's own temporary directory (config, nodes.conf, logs). */
  dir: string
  /** Kills the process by PID, as a crash would, and waits until it has exited. */
  kill(): Promise<void>
  /** Stops the process by PID and removes its directory. */
  stop(): Promise<void>
}

export interface ServerProcessOptions {
  binary: string
  /** The command-line arguments for a port and the process's directory. */
  args(port: number, dir: string): string[]
  /** A cluster node also listens on port + 10000 (the cluster bus); that port must be free too. */
  needsBusPort?: boolean
  /** A config file's text, written to the process's directory and passed as the first argument (redis-sentinel needs one). */
  config?(port: number, dir: string): string
  /** Text in the process's output that says it accepts connections. */
  readyText?: string
}

const HOST = '127.0.0.1'
const running = new Map<number, ChildProcess>()

// A failing test must not leave a server behind: whatever is still running when the process ends is killed by PID.
process.on('exit', () => {
  for (const pid of running.keys()) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
})
// Interrupted (Ctrl-C, a timeout's SIGTERM), the test process exits normally so that the handler above runs.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143))

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, HOST, () => probe.close(() => resolve(true)))
  })

/** A port between 20000 and 54999 that is free now (and, for a cluster node, whose bus port is free too). */
async function freePort(needsBusPort: boolean): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 35_000)
    if ((await isFree(port)) && (!needsBusPort || (await isFree(port + 10_000)))) return port
  }
}

/**
 * Starts a server process on a free loopback port, in a temporary directory of its own, and resolves
 * once it accepts connections. Another process may take the port between the probe and the start,
 * so a start that fails is tried again on another port.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  let lastError: unknown
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(options.needsBusPort ?? false)
    const dir = mkdtempSync(join(tmpdir(), 'rss-server-'))
    try {
      return await spawnReady(options, port, dir)
    } catch (error) {
      lastError = error
      rmSync(dir, { recursive: true, force: true })
    }
  }
  throw new Error(`could not start ${options.binary}`, { cause: lastError })
}

function spawnReady(options: ServerProcessOptions, port: number, dir: string): Promise<ServerProcess> {
  const configArgs: string[] = []
  if (options.config) {
    writeFileSync(join(dir, 'server.conf'), options.config(port, dir))
    configArgs.push(join(dir, 'server.conf'))
  }
  const child = spawn(options.binary, [...configArgs, ...options.args(port, dir)], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const pid = child.pid
  if (pid === undefined) return Promise.reject(new Error(`${options.binary} did not start`))
  running.set(pid, child)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  exited.then(() => running.delete(pid))
  const readyText = options.readyText ?? 'Ready to accept connections'

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  const server: ServerProcess = {
    host: HOST,
    port,
    pid,
    dir,
    kill,
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }

  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(readyText)) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        resolve(server)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.resume()
    exited.then(() => reject(new Error(`${options.binary} exited before it was ready:\n${output.slice(-2000)}`)))
  })
}
