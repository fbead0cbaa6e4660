/**
 * The test command: `node --import tsx tests/runner/run.ts <dir> <pattern>`. It runs uvu's suites as uvu's own
 * CLI does, but every test file's `uvu` is the guarded one (guarded-uvu.ts), an unhandled rejection fails the
 * test running when it is reported, and the process ends when the run does, even if a failed test left a
 * socket or a timer behind.
 */
import { register } from 'node:module'
import { parse } from 'uvu/parse'

const [dir = 'tests', pattern] = process.argv.slice(2)

register('./resolve-uvu.mjs', import.meta.url)
// uvu queues the suites of each file and runs them when exec() is called, as its CLI does.
Object.assign(globalThis, { UVU_DEFER: 1, UVU_QUEUE: [] })
const uvu = await import('./guarded-uvu.js')
process.on('unhandledRejection', uvu.reportUnhandledRejection)

const { suites } = await parse(dir, pattern)
const queue = (globalThis as unknown as { UVU_QUEUE: unknown[][] }).UVU_QUEUE
for (const [index, file] of suites.entries()) {
  Object.assign(globalThis, { UVU_INDEX: index })
  queue.push([file.name])
  await import(`file://${file.file}`)
}

try {
  await uvu.exec()
} catch (error) {
  // An `after` hook that throws ends uvu's run here.
  console.error(error)
  process.exitCode = 1
}
if (uvu.failedOutsideTests() > 0) process.exitCode = 1
process.exit()
