import Koa from 'koa'
import session from 'koa-session'
import request from 'supertest'
import type { Gates } from './gates.js'
import { type ListeningApp, onLoopback } from './loopback.js'

type SessionOptions = NonNullable<Parameters<typeof session>[0]>
type Fields = Record<string, unknown>

export interface KoaAppOptions {
  /** What koa-session is given as its store: `store.koa`, or anything a test wants it to try. */
  store: unknown
  /** koa-session's options beside the store. */
  session?: Partial<SessionOptions>
  /** Where GET /change?hold=<name> waits. */
  gates?: Gates
  /** Whether the app answers 503 when the store is unavailable (the README's middleware); else Koa's 500. */
  unavailableAs503?: boolean
}

/**
 * The README's answer to an outage: the store's refusals and timeouts become a 503 with Retry-After, instead of
 * Koa's 500. Before koa-session, so that a failed load and a failed save (after the route ran) are both caught.
 * `seen` is told each code it answered for.
 */
export const storeUnavailableAs503 =
  (seen: (code: string) => void = () => {}): Koa.Middleware =>
  async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      if (code !== 'ERR_STORE_NOT_CONNECTED' && code !== 'ERR_STORE_TIMEOUT') throw error
      seen(code)
      ctx.status = 503
      ctx.set('Retry-After', '1')
      // A failed save comes after the route set its body: its type (JSON, say) goes with it.
      ctx.type = 'text/plain'
      ctx.body = 'Sessions are unavailable; try again in a moment.'
    }
  }

/**
 * Koa 3 with koa-session on the store (signed cookies), and routes by path: /change applies `set` (a=1,b=2) and
 * `del` from the query, after waiting at the `hold` gate when one is named, and with `then` saves, then changes
 * once more; /sign-in/<user>, /sign-out (ctx.session = null), /max-age/<ms>, /regenerate; /session answers with
 * the session's data. `errors` holds what Koa answered with 500, `unavailable` the codes it answered 503 for.
 */
export function koaApp({ store, session: options = {}, gates, unavailableAs503 = true }: KoaAppOptions) {
  const app = new Koa()
  app.keys = ['a test secret']
  const errors: unknown[] = []
  const unavailable: string[] = []
  // A listener of its own keeps Koa from logging every error it answers with 500.
  app.on('error', (error: unknown) => errors.push(error))
  if (unavailableAs503) app.use(storeUnavailableAs503((code) => unavailable.push(code)))
  app.use(session({ ...options, store } as SessionOptions, app))
  app.use(async (ctx) => {
    const [, route, argument] = ctx.path.split('/')
    const data = ctx.session as unknown as Fields
    const query = ctx.query as Record<string, string | undefined>
    if (route === 'change') {
      if (query.hold) await gates?.pass(query.hold)
      for (const pair of query.set ? query.set.split(',') : []) data[pair.split('=')[0] as string] = pair.split('=')[1]
      if (query.del) delete data[query.del]
      if (query.then) {
        await ctx.session?.save()
        data[query.then.split('=')[0] as string] = query.then.split('=')[1]
      }
    } else if (route === 'sign-in') {
      data.userId = argument
    } else if (route === 'sign-out') {
      ctx.session = null
    } else if (route === 'max-age' && ctx.session) {
      ctx.session.maxAge = Number(argument)
    } else if (route === 'regenerate') {
      await ctx.session?.regenerate()
    }
    ctx.body = ctx.session?.toJSON() ?? {}
  })
  return { app, errors, unavailable }
}

/** The app on a free port of 127.0.0.1. */
export const listen = (app: Koa): Promise<ListeningApp> => onLoopback(app.listen(0, '127.0.0.1'))

export interface KoaReply {
  status: number
  body: Fields
  text: string
}

/** A browser for Koa apps on any port of the host: keeps koa-session's cookie and its signature. */
export function koaBrowser(cookieName = 'koa.sess') {
  const cookies = new Map<string, string>()
  return {
    async send(url: string): Promise<KoaReply> {
      const call = request(url).get('')
      if (cookies.size > 0) call.set('Cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '))
      const response = await call
      for (const line of ([] as string[]).concat(response.headers['set-cookie'] ?? [])) {
        const pair = line.split(';')[0] ?? ''
        const name = pair.slice(0, pair.indexOf('='))
        const value = pair.slice(pair.indexOf('=') + 1)
        if (value === '') cookies.delete(name)
        else cookies.set(name, value)
      }
      return { status: response.status, body: response.body as Fields, text: response.text }
    },
    /** The session's key (koa-session's externalKey), as the cookie carries it. */
    get key(): string {
      return cookies.get(cookieName) ?? ''
    },
  }
}
