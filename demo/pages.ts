import { html, SafeHtml } from './html.js'
import { maskId, type StoredSession } from './stored-sessions.js'

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222 }
nav a { margin-right: 1rem } table { border-collapse: collapse; width: 100% }
td, th { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ddd } form.inline { display: inline }
.notice { background: #eef6ee; padding: .5rem 1rem } .error { background: #fbeaea; padding: .5rem 1rem }
code { font-size: .9em }`

function page(title: string, user: string | undefined, body: SafeHtml): string {
  const nav = user
    ? html`<nav><a href="/">Home</a><a href="/sessions">Your sessions</a><a href="/admin">Admin</a>
        <form class="inline" method="post" action="/sign-out"><button>Sign out</button></form>
        <span>Signed in as <strong id="user">${user}</strong></span></nav>`
    : html`<nav><a href="/">Home</a><a href="/admin">Admin</a></nav>`
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · redis-session-store demo</title><style>${STYLE}</style></head>
<body>${nav}<h1>${title}</h1>${body}</body></html>`.text
}

/** A moment as UTC text, to the second, in a <time> element. */
const moment = (ms: number) => {
  const iso = new Date(ms).toISOString()
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`
}

export interface SignInMessages {
  error?: string | undefined
  notice?: string | undefined
}

export function signInPage({ error, notice }: SignInMessages = {}): string {
  return page(
    'Sign in',
    undefined,
    html`${error ? html`<p class="error">${error}</p>` : ''}${notice ? html`<p class="notice" id="notice">${notice}</p>` : ''}
    <p>Any name will do: the demo has no passwords. Your session lives in Redis.</p>
    <form method="post" action="/sign-in">
      <label>Name <input name="name" required maxlength="64" autofocus></label>
      <button>Sign in</button>
    </form>
    <h2>What to try</h2>
    <ul>
      <li><a href="/plug">Pull the plug</a> on Redis: pages still answer at once, and your session comes back.</li>
      <li><em>Sign out everywhere</em> beats a slow request: on the home page once signed in, with a second browser.</li>
      <li>What Redis holds, and what each request cost in Redis commands: the <a href="/admin">admin page</a>.</li>
    </ul>`,
  )
}

export interface HomeView {
  user: string
  visits: number
  /** How long the slow request holds. */
  slowRequestMs: number
  /** How many slow requests of this session finished and were saved, and when the last one did. */
  slowRequests: number
  slowRequestFinishedAt: number | undefined
  /** Whether the demo runs its own Redis, which it can stop and start again. */
  pullThePlug: boolean
}

export function homePage(view: HomeView): string {
  const { user, visits } = view
  return page(
    `Hello, ${user}`,
    user,
    html`<p>You have visited this page <strong id="visits">${visits}</strong> ${visits === 1 ? 'time' : 'times'}
    in this session. Reload to count up; the count is kept in Redis, so it survives restarts of this app.</p>
    <p>Sign in with the same name in another browser and look at <a href="/sessions">your sessions</a>.</p>
    ${slowRequestSection(view)}${pullThePlugSection(view)}`,
  )
}

function pullThePlugSection({ pullThePlug }: HomeView): SafeHtml {
  if (!pullThePlug) {
    return html`<h2>Pull the plug</h2><p>The demo runs on the Redis at <code>REDIS_URL</code>, which is not its own to
      stop: run <code>npm run demo</code> without it to pull the plug.</p>`
  }
  return html`<h2>Pull the plug</h2>
    <p>Stops the demo's Redis for a few seconds. Meanwhile pages answer at once instead of hanging, and when Redis is
    back this session is there again, visit count and all.</p>
    <form method="post" action="/plug/pull"><button>Pull the plug</button></form>`
}

function slowRequestSection({ user, slowRequestMs, slowRequests, slowRequestFinishedAt }: HomeView): SafeHtml {
  const saved =
    slowRequests > 0 && slowRequestFinishedAt !== undefined
      ? html`<p id="slow-requests">Slow requests saved in this session: <strong id="slow-request-count">${slowRequests}</strong>,
        the last one finished at ${moment(slowRequestFinishedAt)}.</p>`
      : ''
  return html`<h2>Revocation that sticks</h2>
    <p>The slow request takes ${slowRequestMs / 1000} s and then saves a change to this session. While it runs, press
    <em>Sign out everywhere</em> under <a href="/sessions">your sessions</a> in another browser signed in as
    <strong>${user}</strong>: the store refuses to write back a session revoked since it was loaded, so this browser
    ends signed out.</p>
    <form method="post" action="/slow-request"><button>Start a slow request</button></form>${saved}`
}

export interface SessionRow {
  sid: string
  browser: string
  signedInAt: number
  lastSeen: number
  expires: number | undefined
}

export function sessionsPage(user: string, currentSid: string, rows: readonly SessionRow[], notice?: string): string {
  const row = (session: SessionRow) => {
    const current = session.sid === currentSid
    return html`<tr class="session" data-current="${String(current)}">
      <td><code>${maskId(session.sid)}</code>${current ? html` <strong>(this browser)</strong>` : ''}</td>
      <td>${session.browser}</td><td>${moment(session.signedInAt)}</td><td>${moment(session.lastSeen)}</td>
      <td>${session.expires === undefined ? 'when the browser closes' : moment(session.expires)}</td></tr>`
  }
  return page(
    'Your sessions',
    user,
    html`${notice ? html`<p class="notice" id="notice">${notice}</p>` : ''}
    <p>Every browser signed in as <strong>${user}</strong>, from the store's sessions-per-user index.</p>
    <table><thead><tr><th>Session</th><th>Browser</th><th>Signed in</th><th>Last seen</th><th>Expires</th></tr></thead>
    <tbody>${rows.map(row)}</tbody></table>
    <p><form class="inline" method="post" action="/sessions/sign-out-others"><button>Sign out other devices</button></form>
    <form class="inline" method="post" action="/sessions/sign-out-everywhere"><button>Sign out everywhere</button></form></p>`,
  )
}

export interface SampledSession {
  user: string | undefined
  /** What Redis holds for it; undefined when its key expired between the SCAN and the read. */
  stored: StoredSession | undefined
}

/** How many requests the admin page lists with their cost. */
export const MAX_RECENT_REQUESTS = 5

/** The Redis commands one request sent through the store. */
export interface RequestCost {
  method: string
  path: string
  commands: string
  /** Whether the request left its loaded session unchanged, and so cost no write (lazy touch). */
  touchSkipped: boolean
}

export interface AdminView {
  user: string | undefined
  count: number
  sample: readonly SampledSession[]
  staleSessions: number
  /** The last requests before this page, newest first, other than the admin page itself. */
  recentRequests: readonly RequestCost[]
}

const ttlText = (seconds: number) => (seconds < 0 ? 'none' : `${seconds} s`)

export function adminPage({ user, count, sample, staleSessions, recentRequests }: AdminView): string {
  const row = ({ user: owner, stored }: SampledSession) =>
    stored
      ? html`<tr class="stored-session"><td><code class="key">${stored.maskedKey}</code></td>
      <td>${owner ?? html`<em>nobody</em>`}</td><td class="ttl">${ttlText(stored.ttlSeconds)}</td>
      <td class="bytes">${stored.bytes}</td><td class="encrypted">${stored.encrypted ? 'yes' : 'no'}</td></tr>`
      : ''
  const cost = ({ method, path, commands, touchSkipped }: RequestCost) =>
    html`<tr class="request-cost"><td><code class="request">${method} ${path}</code></td>
      <td class="commands">${commands}</td><td class="note">${touchSkipped ? 'no write: lazy touch' : ''}</td></tr>`
  const costs =
    recentRequests.length === 0
      ? html`<p id="no-requests">No request yet since the demo started.</p>`
      : html`<table><thead><tr><th>Request</th><th>Redis commands</th><th></th></tr></thead>
      <tbody>${recentRequests.map(cost)}</tbody></table>`
  return page(
    'Admin',
    user,
    html`<p>The last ${MAX_RECENT_REQUESTS} requests, newest first, and the Redis commands each cost, counted per request
    on the client the store uses (this page's own reads are not counted; a script is named by what it runs):</p>
    ${costs}
    <p><em>Lazy touch</em>: a request that leaves its session unchanged costs no write, because express-session only calls
    <code>touch()</code> and, with <code>touchAfter</code>, the store skips the EXPIRE of a key it renewed less than a
    minute ago.</p>
    <p>The store holds <strong id="session-count">${count}</strong> ${count === 1 ? 'session' : 'sessions'}
    (<code>store.length()</code>). The first ${sample.length} from <code>store.sessions()</code>, read page by page with
    SCAN, and what Redis holds for each (the key's session id is cut short: it is a credential):</p>
    <table><thead><tr><th>Key</th><th>User</th><th>TTL</th><th>Bytes</th><th>Encrypted</th></tr></thead>
    <tbody>${sample.map(row)}</tbody></table>
    <p>Saves and touches refused because their session had been revoked since it was loaded
    (<code>'staleSession'</code> events), since the demo started: <strong id="stale-sessions">${staleSessions}</strong>.
    See them happen on the <a href="/">home page</a>'s slow request with <em>Sign out everywhere</em>.</p>`,
  )
}

export interface PlugView {
  /** Whether the demo runs its own Redis, which it can stop. */
  available: boolean
  outageMs: number
  /** The store's timeout: no answer should take longer. */
  timeoutMs: number
}

// Polls the status and the session (GET /me, which needs one) and says what it finds, until the session is back.
const PLUG_SCRIPT = `
const stateText = {
  up: 'Redis is running.',
  down: "Redis is stopped. The store said 'disconnect' and fails fast: express-session runs each request without a session, and requireSession() answers it with a 503 at once.",
  starting: 'Redis is starting again in the same directory, replaying its append-only file.',
  failed: "Redis did not come back: see the demo's output.",
}
const $ = (id) => document.getElementById(id)
let refused = 0
let slowest = 0
async function poll() {
  try {
    await check()
  } catch {
    setTimeout(poll, 250)
  }
}
async function check() {
  const status = await (await fetch('/plug/status')).json()
  const started = performance.now()
  const me = await fetch('/me')
  const ms = Math.round(performance.now() - started)
  const session = me.ok ? await me.json() : undefined
  const back = status.state === 'up' && status.connected && session !== undefined
  $('plug-state').dataset.state = back && status.pulledAt ? 'back' : status.state
  $('plug-state').textContent = back && status.pulledAt
    ? 'Redis is back and the store has reconnected.'
    : status.state === 'up' && !status.connected ? 'Redis is running; the store is reconnecting.' : stateText[status.state]
  if (status.state === 'down') $('plug-state').textContent += ' Back in about ' + Math.max(0, Math.ceil((status.backAt - Date.now()) / 1000)) + ' s.'
  $('probe').textContent = 'GET /me answered ' + me.status + ' in ' + ms + ' ms' +
    (session ? (session.user ? ': signed in as ' + session.user + ', ' + session.visits + ' visits so far.' : ': no one is signed in.') : " (the store's timeout is " + $('probe').dataset.timeout + ' ms).')
  $('probe').dataset.status = me.status
  $('probe').dataset.ms = ms
  if (me.status === 503) {
    refused++
    slowest = Math.max(slowest, ms)
    $('outage-answers').textContent = 'During the outage, ' + refused + (refused === 1 ? ' request' : ' requests') + ' for the session got a 503, the slowest in ' + slowest + ' ms.'
  }
  $('home').hidden = !back
  if (!back) setTimeout(poll, 250)
}
poll()`

export function plugPage({ available, outageMs, timeoutMs }: PlugView): string {
  const body = available
    ? html`<p>The button stops the demo's own redis-server for ${outageMs / 1000} s (killed, as a crash would), then
    starts it again in the same directory with its append-only file (<code>appendonly yes</code>), so that every session
    it had acknowledged is there again.</p>
    <p class="notice" id="plug-state" data-state="up">Redis is running.</p>
    <p id="probe" data-timeout="${timeoutMs}"></p>
    <p id="outage-answers"></p>
    <p id="home" hidden><a href="/">Back home</a>: the visit count continues where it was.</p>
    <form method="post" action="/plug/pull"><button>Pull the plug</button></form>
    <script>${new SafeHtml(PLUG_SCRIPT)}</script>`
    : html`<p>The demo runs on the Redis at <code>REDIS_URL</code>, which is not its own to stop: run
    <code>npm run demo</code> without it to pull the plug.</p>`
  return page('Pull the plug', undefined, body)
}

/** What requireSession() answers while the store is disconnected from Redis. */
export function unavailablePage(): string {
  return page(
    'Sessions are unavailable',
    undefined,
    html`<p class="error" id="unavailable">Redis cannot be reached, so this request has no session.
    The store said <code>'disconnect'</code> and fails fast: this answer came at once instead of waiting for a timeout.
    Nothing is lost; try again shortly.</p><p>See what is happening on the <a href="/plug">pull-the-plug page</a>.</p>`,
  )
}

export function errorPage(status: number, message: string): string {
  return page(status === 404 ? 'Not found' : 'Something went wrong', undefined, html`<p class="error">${message}</p>`)
}
