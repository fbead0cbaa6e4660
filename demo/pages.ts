import { html, type SafeHtml } from './html.js'
import type { StoredSession } from './stored-sessions.js'

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

/** The first characters of a session id: enough to tell sessions apart, not enough to steal one. */
const shortId = (sid: string) => `${sid.slice(0, 8)}…`

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
    </form>`,
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
}

export function homePage(view: HomeView): string {
  const { user, visits } = view
  return page(
    `Hello, ${user}`,
    user,
    html`<p>You have visited this page <strong id="visits">${visits}</strong> ${visits === 1 ? 'time' : 'times'}
    in this session. Reload to count up; the count is kept in Redis, so it survives restarts of this app.</p>
    <p>Sign in with the same name in another browser and look at <a href="/sessions">your sessions</a>.</p>
    ${slowRequestSection(view)}`,
  )
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
      <td><code>${shortId(session.sid)}</code>${current ? html` <strong>(this browser)</strong>` : ''}</td>
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

/** The Redis commands one request sent through the store. */
export interface RequestCost {
  method: string
  path: string
  commands: string
}

export interface AdminView {
  user: string | undefined
  count: number
  sample: readonly SampledSession[]
  staleSessions: number
  /** The last request before this page, other than the admin page itself. */
  lastRequest: RequestCost | undefined
}

const ttlText = (seconds: number) => (seconds < 0 ? 'none' : `${seconds} s`)

export function adminPage({ user, count, sample, staleSessions, lastRequest }: AdminView): string {
  const row = ({ user: owner, stored }: SampledSession) =>
    stored
      ? html`<tr class="stored-session"><td><code class="key">${stored.maskedKey}</code></td>
      <td>${owner ?? html`<em>nobody</em>`}</td><td class="ttl">${ttlText(stored.ttlSeconds)}</td>
      <td class="bytes">${stored.bytes}</td><td class="encrypted">${stored.encrypted ? 'yes' : 'no'}</td></tr>`
      : ''
  const cost = lastRequest
    ? html`<p>The last request, <code id="last-request">${lastRequest.method} ${lastRequest.path}</code>, cost
      <strong id="last-request-commands">${lastRequest.commands}</strong> (counted per request on the client the store
      uses; this page's own reads of Redis are not counted).</p>`
    : html`<p id="last-request">No request yet since the demo started.</p>`
  return page(
    'Admin',
    user,
    html`${cost}
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

export function errorPage(status: number, message: string): string {
  return page(status === 404 ? 'Not found' : 'Something went wrong', undefined, html`<p class="error">${message}</p>`)
}
