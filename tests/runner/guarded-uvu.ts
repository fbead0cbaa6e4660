/**
 * uvu as every test file sees it (resolve-uvu.mjs redirects `'uvu'` here). uvu 0.5.6 runs a suite's hooks
 * inside `try { ... } finally { return ... }`, which discards what a `before` or `after.each` hook throws: the
 * suite prints "(0 / N)" and the run passes. Here the suite's `before`, `before.each` and `after.each` hooks run
 * inside each test instead, so what they throw fails that test; every test and hook is bounded in time; and an
 * unhandled rejection fails the test that is running when it is reported.
 */
import * as uvu from 'uvu'
import { timeoutFor } from './timeouts.js'

type Context = Record<string, unknown>
type Callback = uvu.Callback<Context>
type TestContext = Parameters<Callback>[0]
type Hooks = { before: Callback[]; beforeEach: Callback[]; afterEach: Callback[]; setup?: Promise<unknown> }

/** The test that is running now: what an unhandled rejection is blamed on. */
let running: { fail: (error: Error) => void } | undefined
let failuresOutsideTests = 0

export function suite<T = Context>(name = '', state?: T): uvu.Test<T> {
  return guard(uvu.suite(name, state ?? {}) as uvu.Test<Context>, name) as unknown as uvu.Test<T>
}

export const test: uvu.Test<Context> = suite()
export const exec = uvu.exec

/** Fails the running test with `reason`; outside any test, fails the run. */
export function reportUnhandledRejection(reason: unknown): void {
  const error = new Error(`an unhandled promise rejection was reported while this test ran: ${describe(reason)}`)
  if (running) {
    running.fail(error)
    return
  }
  failuresOutsideTests++
  console.error(`\n  FAIL: unhandled promise rejection outside any test: ${describe(reason)}\n`)
}

export const failedOutsideTests = () => failuresOutsideTests

function guard(real: uvu.Test<Context>, suiteName: string): uvu.Test<Context> {
  const timeoutMs = timeoutFor(suiteName)
  let hooks: Hooks = { before: [], beforeEach: [], afterEach: [] }
  const register = (add: (name: string, handler: Callback) => void) => (name: string, handler: Callback) => {
    const suiteHooks = hooks
    add(name, (context) => runTest(suiteHooks, handler, context, timeoutMs))
  }
  const guarded = register(real) as uvu.Test<Context>
  guarded.only = register(real.only)
  guarded.skip = real.skip
  guarded.before = Object.assign((hook: Callback) => void hooks.before.push(hook), {
    each: (hook: Callback) => void hooks.beforeEach.push(hook),
  })
  guarded.after = Object.assign(
    (hook: Callback) => real.after((context) => bounded(hook(context), timeoutMs, 'an after hook')),
    { each: (hook: Callback) => void hooks.afterEach.push(hook) },
  )
  guarded.run = () => {
    real.run()
    hooks = { before: [], beforeEach: [], afterEach: [] }
  }
  return guarded
}

async function runTest(hooks: Hooks, handler: Callback, context: TestContext, timeoutMs: number) {
  // The suite's setup runs once, before its first test, and each test reports its failure.
  hooks.setup ??= bounded(runHooks(hooks.before, context), timeoutMs, 'the suite setup (before)').then(
    () => undefined,
    (error: unknown) => error,
  )
  const setupError = await hooks.setup
  if (setupError !== undefined) throw setupFailure(setupError)
  const body = async () => {
    await runHooks(hooks.beforeEach, context)
    try {
      await handler(context)
    } finally {
      await runHooks(hooks.afterEach, context)
    }
  }
  const failure = new Promise<never>((_, reject) => {
    running = { fail: reject }
  })
  try {
    await Promise.race([bounded(body(), timeoutMs, 'this test'), failure])
  } finally {
    running = undefined
  }
}

async function runHooks(hooks: Callback[], context: TestContext): Promise<void> {
  for (const hook of hooks) await hook(context)
}

async function bounded<T>(work: T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function setupFailure(cause: unknown): Error {
  const error = new Error(`the suite setup (before) failed, so this test did not run: ${describe(cause)}`)
  if (cause instanceof Error && cause.stack)
    error.stack = `${error.message}\n${cause.stack.split('\n').slice(1).join('\n')}`
  return error
}

function describe(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)
}
