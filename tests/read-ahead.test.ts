import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readAhead, sideBySide } from '../src/store/read-ahead.js'

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

test('keeps as many reads in flight as it is told, still handing results out in order', async () => {
  let running = 0
  let most = 0
  const results: number[] = []
  const read = async (page: number) => {
    running++
    most = Math.max(most, running)
    await new Promise((resolve) => setTimeout(resolve, 10 - page))
    running--
    return page
  }
  for await (const result of readAhead(pages(10, []), read, 4)) results.push(result)
  assert.equal(results, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  assert.is(most, 4)
})

test.run()

const sides = suite('sideBySide')

async function* slowly(name: string, count: number, ms: number, started: string[]) {
  for (let i = 0; i < count; i++) {
    started.push(`${name} ${i}`)
    await new Promise((resolve) => setTimeout(resolve, ms))
    yield `${name}${i}`
  }
}

sides('runs every source at once, handing each item out as soon as it is ready', async () => {
  const started: string[] = []
  const taken: string[] = []
  const begun = performance.now()
  const sources = [slowly('a', 3, 30, started), slowly('b', 3, 30, started), slowly('c', 1, 5, started)]
  for await (const item of sideBySide(sources)) taken.push(item)
  const ms = performance.now() - begun
  assert.equal([...taken].sort(), ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'c0'])
  assert.is(taken[0], 'c0')
  assert.equal(started.slice(0, 3), ['a 0', 'b 0', 'c 0'])
  // One after another they would take 185 ms.
  assert.ok(ms < 150, `${ms} ms`)
})

sides('fails with the first failure, without an unhandled rejection from the others', async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    async function* failing(): AsyncGenerator<string> {
      await new Promise((resolve) => setTimeout(resolve, 5))
      throw new Error('scan failed')
    }
    const failure = await (async () => {
      for await (const item of sideBySide([slowly('a', 5, 20, []), failing()])) void item
    })().catch((error: Error) => error.message)
    assert.is(failure, 'scan failed')
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(unhandled, [])
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})

sides.run()
