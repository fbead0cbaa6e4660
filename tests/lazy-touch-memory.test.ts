import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { touchMemory } from '../src/features/lazy-touch.js'

const MiB = 1024 * 1024

// The runner starts node without --expose-gc: the flag is set now and gc() taken from a fresh context.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const liveHeap = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const test = suite('lazy touch memory')

test('8,000 sessions of 24 KB make the heap grow by less than 40 MiB', () => {
  const remembered = touchMemory(60)
  const filler = 'x'.repeat(24 * 1024)
  const before = liveHeap()
  for (let i = 0; i < 8_000; i++) {
    const sid = `session-${i}-${'s'.repeat(24)}`
    // A flat text of its own per session, as each get() reads one from Redis (a template would share the filler).
    const text = Buffer.from(`{"n":${i},"data":"${filler}"}`).toString()
    remembered.read(sid, text)
    remembered.wrote(sid, undefined, 100, performance.now())
  }
  const grown = (liveHeap() - before) / MiB
  assert.ok(grown < 40, `the heap grew ${grown.toFixed(1)} MiB`)
  assert.ok(remembered.canSkipTouch('session-7999-ssssssssssssssssssssssss', 100))
})

test('is bounded in bytes as well as in entries: long ids push the oldest out', () => {
  const remembered = touchMemory(60, 10_000, 64 * 1024)
  const since = performance.now()
  const sidOf = (i: number) => `${i}:${'k'.repeat(4_000)}`
  for (let i = 0; i < 20; i++) remembered.wrote(sidOf(i), `{"i":${i}}`, 100, since)
  assert.not.ok(remembered.canSkipTouch(sidOf(0), 100))
  assert.ok(remembered.canSkipTouch(sidOf(19), 100))
})

test('a different text voids what was known, the same text keeps it', () => {
  const remembered = touchMemory(60)
  remembered.wrote('a', '{"v":1}', 100, performance.now())
  remembered.read('a', '{"v":1}')
  assert.ok(remembered.canSkipTouch('a', 100))
  remembered.read('a', '{"v":2}')
  assert.not.ok(remembered.canSkipTouch('a', 100))
})

test.run()
