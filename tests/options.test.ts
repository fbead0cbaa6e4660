import { createClient } from 'redis'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, RedisStore, type RedisStoreOptions, scanKeys } from '../src/index.js'

// Never connected: creating a store sends nothing, so option checks need no server.
const client = createClient()

const refusals = suite('every wrong option is refused at creation')

/** Asserts that creating a store with these options throws a TypeError naming the option. */
function assertRefused(options: unknown, name: string) {
  for (const create of [
    () => createRedisStore(options as RedisStoreOptions),
    () => new RedisStore(options as RedisStoreOptions),
  ]) {
    let caught: unknown
    try {
      create()
    } catch (error) {
      caught = error
    }
    assert.instance(caught, TypeError, `${name}: ${String(caught)}`)
    const message = (caught as TypeError).message
    assert.ok(message.startsWith('redis-session-store: '), message)
    assert.ok(message.includes(`"${name}"`), `${message} does not name "${name}"`)
  }
}

const wrongValues: Record<string, unknown[]> = {
  client: [undefined, null, 'redis://localhost', 6379, {}, { get() {}, set() {} }, () => {}],
  prefix: [42, true, {}, ['sess:'], Symbol('p')],
  ttl: [
    0,
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '1h',
    '',
    ' 60',
    '1e3',
    '-5',
    '0',
    '60.5',
    null,
    true,
    {},
    10n,
    2 ** 31,
    1e16,
  ],
  disableTouch: ['true', 1, 0, null, {}],
  disableTTL: ['false', 1, null, []],
  serializer: [null, JSON.stringify, {}, { stringify: JSON.stringify }, { parse: JSON.parse }, 'json'],
  scanCount: [0, -5, 1.5, Number.NaN, '1h', '', '0', '10 ', null, 2 ** 53],
  onCorruptSession: ['ignore', 'MISS', '', null, true, 0],
  allowClearWithEmptyPrefix: ['yes', 1, null],
  touchAfter: [-1, 1.5, '60', null, Number.NaN, 2 ** 31, 2 ** 53 - 1],
}

for (const [name, values] of Object.entries(wrongValues)) {
  refusals(`refuses a wrong "${name}" with a TypeError that names it`, () => {
    for (const value of values) {
      const options = name === 'client' ? { client: value } : { client, [name]: value }
      assertRefused(options, name)
    }
  })
}

refusals('refuses options that are not an object, naming "options"', () => {
  for (const options of [undefined, null, 'redis://localhost', 42]) assertRefused(options, 'options')
})

refusals('accepts every option with a right value', () => {
  const store = createRedisStore({
    client,
    prefix: '',
    ttl: (session) => (session.cookie.maxAge ? 60 : 120),
    disableTouch: true,
    disableTTL: false,
    serializer: { stringify: (session) => JSON.stringify(session), parse: (text) => JSON.parse(text) },
    scanCount: 1000,
    onCorruptSession: 'fail',
    allowClearWithEmptyPrefix: true,
  })
  assert.type(store.get, 'function')
  assert.type(createRedisStore({ client, ttl: 0.5 }).get, 'function')
})

refusals('refuses an unknown or misspelt option, naming it and listing the options', () => {
  for (const name of ['prefx', 'touch_after', 'timeOut']) {
    assertRefused({ client, [name]: 1 }, name)
    assert.throws(() => createRedisStore({ client, [name]: 1 } as never), /the options are client, prefix, ttl/)
  }
})

const tolerated = suite('options connect-redis tolerated')

tolerated('takes ttl and scanCount written as strings of digits (read from the environment) as their numbers', () => {
  for (const make of [createRedisStore, (options: RedisStoreOptions) => new RedisStore(options)]) {
    const store = make({ client, ttl: '3600', scanCount: '250' })
    assert.is(store.ttl, 3600)
    assert.is(store.scanCount, 250)
  }
})

tolerated('says what a ttl or scanCount string that is not a whole number was', () => {
  assert.throws(
    () => createRedisStore({ client, ttl: '1h' as never }),
    /option "ttl" must be .*string of its digits.*received "1h"/,
  )
  assert.throws(() => createRedisStore({ client, scanCount: '' as never }), /option "scanCount" must be .*received ""$/)
})

tolerated("takes prefix: null as connect-redis did: the default 'sess:'", () => {
  assert.is(createRedisStore({ client, prefix: null }).prefix, 'sess:')
  assert.is(new RedisStore({ client, prefix: null }).prefix, 'sess:')
})

tolerated('refuses logErrors, saying which events to listen for instead', () => {
  assertRefused({ client, logErrors: true }, 'logErrors')
  assert.throws(
    () => createRedisStore({ client, logErrors: true } as never),
    /"logErrors" was connect-redis's; .*client's own 'error' event.*'disconnect', 'connect' and 'corruptSession'/,
  )
})

tolerated("refuses connect-redis 3's connection options, saying to pass a client", () => {
  for (const name of ['host', 'port', 'url', 'pass', 'db', 'socket']) {
    assertRefused({ client, [name]: 'x' }, name)
    assert.throws(() => createRedisStore({ client, [name]: 'x' } as never), /takes a connected client: .* as "client"/)
  }
})

refusals.run()
tolerated.run()

const helpers = suite('the helpers check their options too')

helpers('scanKeys refuses a missing or non-string prefix and a wrong count, naming them', () => {
  for (const [options, name] of [
    [{}, 'prefix'],
    [{ prefix: 5 }, 'prefix'],
    [{ prefix: 'sess:', count: 0 }, 'count'],
    [{ prefix: 'sess:', count: '10' }, 'count'],
    [undefined, 'options'],
  ] as const) {
    assert.throws(
      () => scanKeys(client, options as never),
      (error: unknown) => error instanceof TypeError && error.message.includes(`"${name}"`),
      name,
    )
  }
  assert.throws(
    () => scanKeys({}, { prefix: 'sess:' }),
    (error: unknown) => error instanceof TypeError && error.message.includes('"client"'),
  )
})

helpers.run()

const secrets = suite('option errors never quote a secret')

secrets('refuses a connection URL given as the client without repeating its password', () => {
  for (const url of ['redis://:hunter2@10.0.0.5:6379', 'rediss://app:s3cr3t-pass@cache.internal:6380/2']) {
    for (const create of [() => createRedisStore({ client: url as never }), () => scanKeys(url, { prefix: 'sess:' })]) {
      let caught: unknown
      try {
        create()
      } catch (error) {
        caught = error
      }
      assert.instance(caught, TypeError)
      const message = (caught as TypeError).message
      assert.ok(message.includes('"client"'), message)
      assert.not.ok(message.includes('hunter2') || message.includes('s3cr3t-pass'), message)
    }
  }
})

secrets.run()
