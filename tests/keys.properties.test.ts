import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { escapeGlob, keyFor, scanKeys, scanPatternFor, sidFrom } from '../src/index.js'
import { type NodeRedisClient, redisFor } from './helpers/suite-redis.js'

// Glob characters and their neighbours in Redis patterns, mixed with any code point.
const GLOB_CHARACTERS = ['*', '?', '[', ']', '\\', '^', '-', '!', 'a', 'b', ':']
const character = fc.oneof(
  fc.constantFrom(...GLOB_CHARACTERS),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
)
const text = (maxLength: number) => fc.string({ unit: character, maxLength })

const pure = suite('keyFor, sidFrom and escapeGlob, for any text')

pure('sidFrom(prefix) gives back the sid that keyFor(prefix) put in the key', () => {
  fc.assert(
    fc.property(text(12), text(24), (prefix, sid) => {
      assert.is(sidFrom(prefix)(keyFor(prefix)(sid)), sid)
      assert.ok(keyFor(prefix)(sid).startsWith(prefix))
    }),
    { numRuns: 500 },
  )
})

pure('escapeGlob leaves no glob character unescaped, and removing the escapes gives the text back', () => {
  fc.assert(
    fc.property(text(24), (prefix) => {
      const escaped = escapeGlob(prefix)
      assert.is(escaped.replace(/\\(.)/gsu, '$1'), prefix)
      // Read as Redis reads a pattern, every special character is preceded by a backslash.
      for (let i = 0; i < escaped.length; i++) {
        const c = escaped[i] as string
        if (c === '\\') i++
        else assert.not.ok('*?[]'.includes(c), `unescaped ${c} in ${escaped}`)
      }
      assert.is(scanPatternFor(prefix), `${escaped}*`)
    }),
    { numRuns: 500 },
  )
})

pure.run()

const scanned = suite('scanPatternFor in a real Redis SCAN')
let client: NodeRedisClient
redisFor(scanned, (started) => ({ nodeRedis: client } = started))

/** Keys that share much with the prefix without starting with it, beside the prefix's own keys. */
function keysAround(prefix: string, others: string[]): string[] {
  const chars = [...prefix]
  const lookalikes = chars.flatMap((c, i) => {
    const before = chars.slice(0, i).join('')
    const after = chars.slice(i + 1).join('')
    return [`${before}a${after}`, `${before}${after}`, `${before}\\${c}${after}`, `${before}${c}${c}${after}`]
  })
  return [...new Set([prefix, `${prefix}x`, `${prefix}${prefix}`, `x${prefix}`, ...lookalikes, ...others])].filter(
    (key) => key !== '',
  )
}

scanned('a prefix of any characters, glob ones included, matches exactly the keys that start with it', async () => {
  await fc.assert(
    fc.asyncProperty(text(8), fc.array(text(10), { maxLength: 20 }), async (prefix, others) => {
      await client.flushDb()
      const keys = keysAround(prefix, [...others, ...others.map((other) => prefix + other)])
      await client.mSet(keys.map((key) => [key, '1'] as [string, string]))
      const expected = (await client.keys('*')).filter((key) => key.startsWith(prefix)).sort()
      const found: string[] = []
      for await (const page of scanKeys(client, { prefix, count: 7 })) found.push(...page)
      assert.equal(found.sort(), expected)
    }),
    { numRuns: 150 },
  )
})

scanned.run()
