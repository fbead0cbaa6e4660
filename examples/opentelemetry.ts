// The store's tracing channels as OpenTelemetry spans (session.get, session.set, ...), with the Redis client's own
// command channels (node-redis:command, ioredis:command) as their children. No session id goes into any span: the
// client's channels carry each command's arguments (the key holds the id), so only the command name is recorded.
import { AsyncLocalStorage } from 'node:async_hooks'
import { type TracingChannel, tracingChannel } from 'node:diagnostics_channel'
import {
  type Attributes,
  type Context,
  type ContextManager,
  context as otelContext,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import type { StoreCallContext } from 'redis-session-store'

// OpenTelemetry's own AsyncLocalStorageContextManager keeps its storage private; this one is the same, but its
// storage can be bound to the channels' start, so that a call runs in its span's context.
const storage = new AsyncLocalStorage<Context>()
export const contextManager: ContextManager = {
  active: () => storage.getStore() ?? ROOT_CONTEXT,
  with: (context, fn, thisArg, ...args) => storage.run(context, () => fn.call(thisArg, ...args)),
  bind: (context, target) =>
    typeof target === 'function'
      ? (((...args: unknown[]) => storage.run(context, () => target(...args))) as typeof target)
      : target,
  enable() {
    return this
  },
  disable() {
    storage.disable()
    return this
  },
}

const STORE_METHODS = ['get', 'set', 'touch', 'destroy', 'all', 'ids', 'length', 'clear', 'userSessions']
const CLIENT_COMMANDS = ['node-redis:command', 'ioredis:command']

interface Traced {
  span: Span
  /** The context the call was made in: a callback runs in it again (asyncStart), not in the call's span. */
  parent: Context
}

/** Spans from one TracingChannel: started on start (the call then runs in the span's context), ended on asyncEnd. */
function spansFrom<Message extends object>(
  channel: TracingChannel<Context, Message>,
  tracer: Tracer,
  open: (message: Message) => { name: string; attributes: Attributes },
  close?: (span: Span, message: Message) => void,
): () => void {
  const calls = new WeakMap<Message, Traced>()
  channel.start.bindStore(storage, (message) => {
    const parent = contextManager.active()
    const { name, attributes } = open(message)
    const span = tracer.startSpan(name, { attributes }, parent)
    calls.set(message, { span, parent })
    return trace.setSpan(parent, span)
  })
  channel.asyncStart.bindStore(storage, (message) => calls.get(message)?.parent ?? contextManager.active())
  const handlers = {
    start() {},
    end() {},
    asyncStart() {},
    asyncEnd(message: Message) {
      const traced = calls.get(message)
      if (!traced) return
      calls.delete(message)
      close?.(traced.span, message)
      traced.span.end()
    },
    error(message: Message & { error?: unknown }) {
      const span = calls.get(message)?.span
      const error = message.error instanceof Error ? message.error : new Error(String(message.error))
      span?.recordException(error)
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
    },
  }
  channel.subscribe(handlers)
  return () => {
    channel.unsubscribe(handlers)
    channel.start.unbindStore(storage)
    channel.asyncStart.unbindStore(storage)
  }
}

/** Turns every store call and every Redis command into a span of `tracer`; returns what turns it off. */
export function traceSessionStore(tracer: Tracer): () => void {
  otelContext.setGlobalContextManager(contextManager)
  const stops = [
    ...STORE_METHODS.map((method) =>
      spansFrom(
        tracingChannel<Context, StoreCallContext>(`redis-session-store:${method}`),
        tracer,
        ({ operation, prefix, view }) => ({
          name: `session.${operation}`,
          attributes: {
            'session.operation': operation,
            'session.prefix': prefix,
            ...(view && { 'session.view': view }),
          },
        }),
        (span, { outcome }) => outcome && span.setAttribute('session.outcome', outcome),
      ),
    ),
    ...CLIENT_COMMANDS.map((name) =>
      spansFrom(
        tracingChannel<Context, { command: string; serverAddress?: string; serverPort?: number }>(name),
        tracer,
        (c) => ({
          name: c.command.toUpperCase(),
          attributes: {
            'db.system.name': 'redis',
            'db.operation.name': c.command.toUpperCase(),
            ...(c.serverAddress && { 'server.address': c.serverAddress }),
            ...(c.serverPort && { 'server.port': c.serverPort }),
          },
        }),
      ),
    ),
  ]
  return () => {
    for (const stop of stops) stop()
    otelContext.disable()
  }
}
