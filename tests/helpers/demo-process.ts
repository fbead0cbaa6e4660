import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { killOnExit } from '../../dev/server-process.js'

const ROOT = resolve(import.meta.dirname, '../..')
// Bounds a start that never prints its URL, so that a broken demo fails the test instead of hanging it.
const START_LIMIT_MS = 60_000
const STOP_LIMIT_MS = 15_000

export interface DemoProcess {
  url: string
  port: number
  pid: number
  /** Everything the demo printed so far, for failure messages. */
  output(): string
  /** SIGTERM (as a process manager would stop it) or SIGINT (Ctrl-C); SIGKILL if it does not exit in time. */
  stop(signal?: 'SIGTERM' | 'SIGINT'): Promise<number | null>
}

/** Runs `demo/main.ts` as its own process, as `npm run demo` does, and waits for the URL it prints. */
export function startDemo(env: Record<string, string | undefined>): Promise<DemoProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/main.ts'], {
    cwd: ROOT,
    env: definedOnly({ ...process.env, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  killOnExit(child)
  let output = ''
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)))

  async function stop(signal: 'SIGTERM' | 'SIGINT' = 'SIGTERM'): Promise<number | null> {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS)
    const code = await exited
    clearTimeout(timer)
    return code
  }

  const record = (chunk: Buffer) => {
    output += chunk.toString()
  }
  child.stdout?.on('data', record)
  child.stderr?.on('data', record)

  return new Promise((resolveStart, rejectStart) => {
    const fail = (reason: string) => {
      clearTimeout(timer)
      child.stdout?.off('data', lookForUrl)
      void stop()
      rejectStart(new Error(`the demo did not start: ${reason}\n${output}`))
    }
    const timer = setTimeout(() => fail(`no URL within ${START_LIMIT_MS} ms`), START_LIMIT_MS)
    const onExit = (code: number | null, signal: string | null) => fail(`it exited (code ${code}, signal ${signal})`)
    function lookForUrl() {
      const match = /http:\/\/localhost:(\d+)\//.exec(output)
      if (!match?.[1]) return
      clearTimeout(timer)
      child.stdout?.off('data', lookForUrl)
      child.off('exit', onExit)
      const port = Number(match[1])
      resolveStart({ url: `http://127.0.0.1:${port}/`, port, pid: child.pid ?? 0, output: () => output, stop })
    }
    child.stdout?.on('data', lookForUrl)
    child.once('exit', onExit)
  })
}

// A variable given as undefined is removed, so that the demo does not see the test runner's own.
const definedOnly = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined))
