import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { redisBinary } from '../../dev/redis-binary.js'

/**
 * A redis-server child of the test's own, which the test can kill (SIGKILL), freeze (SIGSTOP),
 * thaw (SIGCONT) and start again on the same port and data directory. Every write is fsynced to
 * the append-only file before Redis acknowledges it (appendonly yes, appendfsync always).
 */
export interface RedisProcess {
  host: string
  port: number
  readonly pid: number
  kill(): Promise<void>
  restart(): Promise<void>
  freeze(): void
  thaw(): void
  /** Stops the server by PID and removes its data directory. */
  stop(): Promise<void>
}

const children = new Set<ChildProcess>()

// A failing test must not leave a server behind: whatever is still running when the process ends is killed by PID.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

export async function startRedisProcess(): Promise<RedisProcess> {
  const binary = redisBinary()
  const host = '127.0.0.1'
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'redis-outage-'))
  let child = await launch()

  async function launch(): Promise<ChildProcess> {
    const started = spawn(
      binary,
      [
        ...['--port', String(port), '--bind', host, '--dir', dir, '--save', ''],
        ...['--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning'],
      ],
      { stdio: 'ignore' },
    )
    children.add(started)
    started.once('exit', () => children.delete(started))
    await untilAnswering(host, port, started)
    return started
  }

  async function killed(signal: NodeJS.Signals): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    await exited
  }

  return {
    host,
    port,
    get pid() {
      return child.pid ?? 0
    },
    kill: () => killed('SIGKILL'),
    async restart() {
      await killed('SIGKILL')
      child = await launch()
    },
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async stop() {
      child.kill('SIGCONT')
      await killed('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A port the OS has just handed out, released again for redis-server to take. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

// Until PING answers PONG (not LOADING while the append-only file is replayed); at most ten seconds.
async function untilAnswering(host: string, port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`)
    if (await pings(host, port)) return
    await sleep(50)
  }
  throw new Error(`redis-server on port ${port} did not answer PING`)
}

function pings(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port })
    const done = (answer: boolean) => {
      socket.destroy()
      resolve(answer)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}
