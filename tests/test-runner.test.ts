import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const run = promisify(execFile)
const fixtures = fileURLToPath(new URL('./runner/fixtures', import.meta.url))
const runner = fileURLToPath(new URL('./runner/run.ts', import.meta.url))
const uvuCli = fileURLToPath(new URL('../node_modules/uvu/bin.js', import.meta.url))

/** Runs one fixture file with the given test command; resolves to its exit code and output. */
async function runFixture(command: string, fixture: string): Promise<{ code: number; output: string }> {
  const options = { env: { ...process.env, TEST_TIMEOUT_MS: '1000', FORCE_COLOR: '0' }, timeout: 30_000 }
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', command, fixtures, `^${fixture}\\.fixture\\.ts$`],
      options,
    )
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, output: failed.stdout + failed.stderr }
  }
}

const guard = suite('the test command')

guard('exists because uvu alone passes a suite whose setup throws', async () => {
  const { code, output } = await runFixture(uvuCli, 'setup-throws')
  assert.is(code, 0, 'uvu 0.5.6 no longer swallows a before hook failure: the guard may be simplified')
  assert.match(output, '(0 / 1)')
})

/** Fixtures the test command must fail, and what its output must say about each. */
const mustFail: Array<{ name: string; fixture: string; says: Array<string | RegExp> }> = [
  {
    name: 'fails a suite whose setup throws, naming its tests and the error',
    fixture: 'setup-throws',
    says: [
      /FAIL .*"would pass if it ran"/,
      'the suite setup (before) failed, so this test did not run: Error: the server did not start',
    ],
  },
  {
    name: 'fails the test running when an unhandled rejection is reported, and only that one',
    fixture: 'unhandled-rejection',
    says: [
      'FAIL  "a test during which a promise is rejected and nobody handles it"',
      'Error: nobody listened',
      'Passed:    1',
    ],
  },
  {
    name: 'fails a test whose after.each throws',
    fixture: 'after-each-throws',
    says: [/FAIL .*"passes its own body"/, 'the cleanup failed'],
  },
]

for (const { name, fixture, says } of mustFail) {
  guard(name, async () => {
    const { code, output } = await runFixture(runner, fixture)
    assert.is(code, 1)
    for (const text of says) assert.match(output, text)
  })
}

guard('fails a test that never settles, by name, within the bound', async () => {
  const started = Date.now()
  const { code, output } = await runFixture(runner, 'hangs')
  assert.is(code, 1)
  assert.match(output, 'FAIL  "a test that never settles"')
  assert.match(output, 'this test did not settle within 1000 ms')
  assert.ok(Date.now() - started < 20_000, 'the run ended soon after the bound')
})

guard('passes a healthy suite, with its setup run before its test', async () => {
  const { code, output } = await runFixture(runner, 'passes')
  assert.is(code, 0, output)
  assert.match(output, 'Passed:    1')
})

guard.run()
