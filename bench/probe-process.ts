import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Address } from './clients.js'

export interface Probe {
  /** Forgets the slowest GET so far. */
  reset(): Promise<void>
  /** The slowest GET since the last reset, in milliseconds, and how many GETs it made. */
  report(): Promise<{ worstMs: number; count: number }>
  stop(): Promise<void>
}

/** Starts bench/probe.ts in a child process (stopped by its PID when the benchmark ends). */
export async function startProbe({ host, port }: Address): Promise<Probe> {
  const child = fork(fileURLToPath(new URL('./probe.ts', import.meta.url)), [host, String(port)], {
    execArgv: ['--import', 'tsx'],
  })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  await answer(child, 'ready')
  const ask = async <T>(message: string, key: string) => {
    const reply = answer<T>(child, key)
    child.send(message)
    return reply
  }
  return {
    reset: async () => void (await ask('reset', 'reset')),
    report: () => ask('report', 'worstMs'),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.send('stop')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
      process.off('exit', killOnExit)
    },
  }
}

function answer<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the probe did not answer "${key}" within 30 s`)), 30_000)
    const onMessage = (message: Record<string, unknown>) => {
      if (!(key in message)) return
      clearTimeout(timer)
      child.off('message', onMessage)
      resolve(message as T)
    }
    child.on('message', onMessage)
  })
}
