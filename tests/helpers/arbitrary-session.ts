import fc from 'fast-check'
import type { SessionRecord } from '../../src/index.js'

/** Any JSON value, its strings and keys made of any Unicode code point. */
export const unicodeJson = (maxDepth = 4) => fc.jsonValue({ maxDepth, stringUnit: 'binary' })

/** A session as express-session stores it: a cookie, and fields of any JSON value beside it. */
export const arbitrarySession = (maxDepth = 4): fc.Arbitrary<SessionRecord> =>
  fc
    .tuple(
      fc.record({
        originalMaxAge: fc.option(fc.nat(), { nil: null }),
        httpOnly: fc.boolean(),
        path: fc.constant('/'),
      }),
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), unicodeJson(maxDepth), { maxKeys: 8 }),
    )
    .map(([cookie, fields]) => ({ ...fields, cookie }))

/** Objects nested `depth` levels deep, each level holding a little data of its own. */
export const deeplyNested = (maxDepth: number) =>
  fc.integer({ min: 1, max: maxDepth }).map((depth) => {
    let value: Record<string, unknown> = { leaf: '🌳' }
    for (let level = depth; level > 0; level--) value = { level, child: value, list: [level, { level }] }
    return value
  })

/** What a session becomes after a trip through JSON: the value the store promises to give back. */
export const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
