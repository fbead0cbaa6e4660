import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import request from 'supertest'
import { killOnExit } from '../../dev/server-process.js'
import { waitFor } from './poll.js'

const ROOT = resolve(import.meta.dirname, '../..')
// Bounds a start that never prints its address, so that a broken example fails its test instead of hanging it.
const START_LIMIT_MS = 30_000

export interface ExampleProcess {
  /** The address the program says it listens on. */
  url: string
  process: ChildProcess
  /** Everything it printed so far, for failure messages. */
  output(): string
  /** SIGTERM, as a process manager stops it; its exit code. */
  terminate(): Promise<number | null>
}

/** Runs one of examples/ as its own program, on a port the system picks, and waits for it to say where it listens. */
export function startExample(file: string, env: Record<string, string>): Promise<ExampleProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${file}`], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  killOnExit(child)
  let output = ''
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const terminate = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    return exited
  }
  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      rejectStart(new Error(`${file} printed no address within ${START_LIMIT_MS} ms:\n${output}`))
    }, START_LIMIT_MS)
    const record = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening (?:on|at) (http:\/\/(?:localhost|127\.0\.0\.1):\d+)/.exec(output)
      if (!match?.[1]) return
      clearTimeout(timer)
      resolveStart({ url: match[1], process: child, output: () => output, terminate })
    }
    child.stdout?.on('data', record)
    child.stderr?.on('data', record)
    void exited.then((code) => {
      clearTimeout(timer)
      rejectStart(new Error(`${file} exited with ${code}:\n${output}`))
    })
  })
}

/**
 * Waits for the example to answer a request without a session with 503 (requireSession), as it must once its
 * client has noticed the lost connection, on the client's own schedule: until then a request may time out instead.
 */
export const answers503 = (app: ExampleProcess): Promise<void> =>
  waitFor('the 503 of a request without a session', async () => (await request(app.url).get('/')).status === 503, {
    timeoutMs: 20_000,
  })
