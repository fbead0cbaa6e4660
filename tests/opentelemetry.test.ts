import { context as otelContext, trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import express from 'express'
import session from 'express-session'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { traceSessionStore } from '../examples/opentelemetry.js'
import { createRedisStore } from '../src/index.js'
import { type ClientHandle, type ClientLibrary, connectClient } from './helpers/clients.js'
import { sidIn, visit } from './helpers/express-app.js'
import { type ServerProcess, startRedis } from './helpers/servers.js'
import { uniquePrefix } from './helpers/sessions.js'

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const tracer = provider.getTracer('tests')

/** express-session on the store, inside a request span as an HTTP instrumentation would open one. */
function tracedApp(store: unknown) {
  const app = express()
  app.set('env', 'test')
  app.use((_req, res, next) => {
    const span = tracer.startSpan('http')
    res.on('finish', () => span.end())
    otelContext.with(trace.setSpan(otelContext.active(), span), next)
  })
  app.use(session({ store: store as session.Store, secret: 'a test secret', resave: false, saveUninitialized: false }))
  app.get('/visit', (req, res) => {
    const data = req.session as unknown as { visits?: number }
    data.visits = (data.visits ?? 0) + 1
    res.send(String(data.visits))
  })
  app.get('/look', (_req, res) => res.send('ok'))
  return app
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId
const named = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name)

/** No session id in any span's name, attributes, events or status. */
function assertNoSessionId(sid: string) {
  assert.ok(sid.length > 10, sid)
  for (const span of exporter.getFinishedSpans()) {
    const text = JSON.stringify({
      name: span.name,
      attributes: span.attributes,
      events: span.events,
      status: span.status,
    })
    assert.not.ok(text.includes(sid), `${span.name} carries the session id: ${text}`)
  }
}

const test = suite('examples/opentelemetry.ts with the OpenTelemetry SDK, over HTTP')
let redis: ServerProcess
let handle: ClientHandle | undefined
let stop: () => void = () => {}

test.before(async () => {
  redis = await startRedis()
  stop = traceSessionStore(tracer)
})
test.after(async () => {
  stop()
  await redis.stop()
})
test.before.each(() => exporter.reset())
test.after.each(async () => {
  await handle?.close()
  handle = undefined
})

for (const library of ['node-redis 6', 'ioredis 6', 'node-redis 5', 'ioredis 5'] satisfies ClientLibrary[]) {
  test(`a span per store call, its Redis commands its children, no session id anywhere (${library})`, async () => {
    handle = await connectClient(library, redis)
    const prefix = uniquePrefix('otel')
    const app = tracedApp(createRedisStore({ client: handle.client, prefix }))
    const first = await visit(app, '/visit')
    await visit(app, '/visit', first.cookie)
    await visit(app, '/look', first.cookie)

    const [getSpan] = named('session.get')
    const sets = named('session.set')
    assert.is(named('session.get').length, 2)
    assert.equal(
      sets.map((span) => span.attributes['session.outcome']),
      ['written', 'written'],
    )
    assert.equal(getSpan?.attributes, {
      'session.operation': 'get',
      'session.prefix': prefix,
      'session.outcome': 'hit',
    })
    assert.is(named('session.touch')[0]?.attributes['session.outcome'], 'touched')
    // Each store call's commands are its children, and each store call a child of its request, not of the last call.
    const requests = new Set(named('http').map(idOf))
    for (const name of ['session.get', 'session.set', 'session.touch']) {
      for (const span of named(name)) {
        assert.ok(requests.has(parentOf(span) as string), `${name} is a child of its request`)
      }
    }
    const getCommand = named('GET')[0] as ReadableSpan
    assert.is(parentOf(getCommand), idOf(getSpan as ReadableSpan))
    assert.is(getCommand.attributes['db.system.name'], 'redis')
    const expire = named('EXPIRE')[0] as ReadableSpan
    assert.is(parentOf(expire), idOf(named('session.touch')[0] as ReadableSpan))
    assertNoSessionId(sidIn(first.cookie))
  })
}

test('a failed call ends its span once, with an error status and the exception, and no session id', async () => {
  handle = await connectClient('node-redis 6', redis)
  const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('otel'), timeout: 150 })
  const app = tracedApp(store)
  const first = await visit(app, '/visit')
  exporter.reset()
  // A frozen server answers nothing: the read runs out of its 150 ms (a refused call while disconnected is never
  // made: express-session skips the store while it has said 'disconnect').
  redis.freeze()
  try {
    await visit(app, '/visit', first.cookie)
  } finally {
    redis.thaw()
  }
  await new Promise((resolve) => setTimeout(resolve, 300))
  const failed = named('session.get')
  assert.is(failed.length, 1)
  const [span] = failed as [ReadableSpan]
  assert.is(span.status.code, 2)
  assert.is(span.events.filter((event) => event.name === 'exception').length, 1)
  assert.match(String(span.events[0]?.attributes?.['exception.message']), /did not complete within the 150 ms timeout/)
  assert.is(span.attributes['session.outcome'], undefined)
  assertNoSessionId(sidIn(first.cookie))
})

test.run()
