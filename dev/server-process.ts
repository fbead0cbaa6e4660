import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A redis-server, valkey-server or redis-sentinel process of our own, on 127.0.0.1, in a directory of its own. */
export interface ServerProcess {
  host: string
  port: number
  url: string
  /** The PID of the process running now (a restart changes it). */
  readonly pid: number
  /** The process's own temporary directory (config, nodes.conf, append-only file). */
  dir: string
  /** Kills the process by PID (SIGKILL, as a crash would) and waits until it has exited. */
  kill(): Promise<void>
  /** Kills it and starts it again on the same port and directory, as a crashed server comes back. */
  restart(): Promise<void>
  /** SIGSTOP: the process keeps its connections open and answers nothing. */
  freeze(): void
  /** SIGCONT, after freeze(). */
  thaw(): void
  /** Kills the process by PID and removes its directory. */
  stop(): Promise<void>
}

export interface ServerProcessOptions {
  binary: string
  /** The command-line arguments, given the port and the process's directory. */
  args?(port: number, dir: string): string[]
  /** A config file's text, written to the process's directory and passed as the first argument (redis-sentinel needs one). */
  config?(port: number, dir: string): string
  /** A cluster node also listens on port + 10000 (the cluster bus); that port must be free too. */
  busPort?: boolean
  /** Text in the process's output that says it accepts connections. */
  readyText?: string
}

/** A server of our own: on loopback, in its own directory, keeping nothing on disk unless asked. */
export const loopbackArgs = (port: number, dir: string): string[] => [
  ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
  ...['--save', '', '--appendonly', 'no'],
]

const HOST = '127.0.0.1'
const BUS_OFFSET = 10_000
const START_ATTEMPTS = 10
const running = new Map<number, ChildProcess>()

// A failing test or a crashed demo must not leave a server behind: what still runs at exit is killed by PID.
process.on('exit', () => {
  for (const child of running.values()) child.kill('SIGKILL')
})

/** Kills the child by PID when this process exits, unless it has exited first. A child with no PID is never kept. */
export function killOnExit(child: ChildProcess): void {
  const { pid } = child
  // A spawn that failed has no PID, and process.kill(0) would signal our whole process group.
  if (pid === undefined || pid <= 0) return
  running.set(pid, child)
  child.once('exit', () => running.delete(pid))
}

/*
 * Ports are drawn at random below the kernel's ephemeral range, bus port included: listen(0) and every
 * outgoing connection take their ports from that range, so a port handed out there can be taken again
 * by anyone between the probe and redis-server's bind, and port + 10000 would often land above 65535.
 * Below it only another test run drawing the same port can collide; the probe makes that rare, and
 * redis-server exiting on a failed bind makes it harmless: the start is tried again on another port.
 * A port stays reserved in this process until its server is stopped, so that a server killed to be
 * restarted on its port does not lose it to the next server this process starts.
 */
const reserved = new Set<number>()
const LOWEST_PORT = 10_000

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768
  } catch {
    return 32_768
  }
}

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, HOST, () => probe.close(() => resolve(true)))
  })

async function freePort(busPort: boolean): Promise<number> {
  const highest = ephemeralLow() - 1 - (busPort ? BUS_OFFSET : 0)
  for (;;) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (highest - LOWEST_PORT + 1))
    if (reserved.has(port) || (busPort && reserved.has(port + BUS_OFFSET))) continue
    if ((await isFree(port)) && (!busPort || (await isFree(port + BUS_OFFSET)))) return port
  }
}

/**
 * Starts a server process on a free loopback port, in a temporary directory of its own, and resolves
 * once its own output says it accepts connections (so the port is its, not another server's). A start
 * that fails, as when another process took the port first, is tried again on another port.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  let lastError: unknown
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort(options.busPort ?? false)
    reserved.add(port)
    if (options.busPort) reserved.add(port + BUS_OFFSET)
    const dir = mkdtempSync(join(tmpdir(), 'rss-server-'))
    try {
      return serverProcess(options, port, dir, await launch(options, port, dir))
    } catch (error) {
      lastError = error
      reserved.delete(port)
      reserved.delete(port + BUS_OFFSET)
      rmSync(dir, { recursive: true, force: true })
    }
  }
  throw new Error(`could not start ${options.binary}`, { cause: lastError })
}

function serverProcess(options: ServerProcessOptions, port: number, dir: string, first: ChildProcess): ServerProcess {
  let child = first
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    get pid() {
      return child.pid ?? 0
    },
    dir,
    kill,
    async restart() {
      await kill()
      child = await launch(options, port, dir)
    },
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
      reserved.delete(port)
      if (options.busPort) reserved.delete(port + BUS_OFFSET)
    },
  }
}

function launch(options: ServerProcessOptions, port: number, dir: string): Promise<ChildProcess> {
  const configArgs: string[] = []
  if (options.config) {
    writeFileSync(join(dir, 'server.conf'), options.config(port, dir))
    configArgs.push(join(dir, 'server.conf'))
  }
  const child = spawn(options.binary, [...configArgs, ...(options.args?.(port, dir) ?? [])], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  killOnExit(child)
  const readyText = options.readyText ?? 'Ready to accept connections'
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (!output.includes(readyText)) return
      child.stdout?.off('data', onData)
      child.stdout?.resume()
      child.off('exit', onExit)
      resolve(child)
    }
    const onExit = () => reject(new Error(`${options.binary} exited before it was ready:\n${output.slice(-2000)}`))
    child.once('error', reject)
    child.once('exit', onExit)
    child.stdout?.on('data', onData)
    child.stderr?.resume()
  })
}
