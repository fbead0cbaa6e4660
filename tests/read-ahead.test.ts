import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readAhead } from '../src/store/read-ahead.js'

const test = suite('readAhead')

async function* pages(count: number, started: string[]) {
  for (let i = 0; i < count; i++) {
    started.push(`scan ${i}`)
    yield i
  }
}

test('hands results out in order, starting each read before the previous result is taken', async () => {
  const events: string[] = []
  const results: number[] = []
  for await (const result of readAhead(pages(3, events), async (page) => {
    events.push(`read ${page}`)
    return page * 10
  })) {
    events.push(`took ${result}`)
    results.push(result)
  }
  assert.equal(results, [0, 10, 20])
  assert.equal(events, ['scan 0', 'read 0', 'scan 1', 'read 1', 'took 0', 'scan 2', 'read 2', 'took 10', 'took 20'])
})

test('reports a failed read when its turn comes, without an unhandled rejection meanwhile', async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const taken: number[] = []
    const failure = await (async () => {
      for await (const result of readAhead(pages(3, []), async (page) => {
        if (page === 1) throw new Error('read 1 failed')
        return page
      })) {
        taken.push(result)
        // Give the failed read time to settle before it is awaited.
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })().catch((error: Error) => error.message)
    assert.equal(taken, [0])
    assert.is(failure, 'read 1 failed')
    assert.equal(unhandled, [])
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})

test.run()
