import type { AddressInfo } from 'node:net'
import express from 'express'
import session, { type Store } from 'express-session'

export interface RunningApp {
  url: string
  close(): Promise<void>
}

/** An Express app on express-session: /login stores a user in a new session, /read only reads it. */
export async function startApp(store: Store, rolling: boolean): Promise<RunningApp> {
  const app = express()
  app.use(
    session({
      store,
      secret: 'benchmark secret',
      resave: false,
      saveUninitialized: false,
      rolling,
      cookie: { maxAge: 86_400_000 },
    }),
  )
  app.get('/login', (req, res) => {
    ;(req.session as unknown as { user: unknown }).user = { id: 42, name: 'Ada Lovelace' }
    res.send('welcome')
  })
  app.get('/read', (req, res) => {
    res.send((req.session as unknown as { user?: { name: string } }).user?.name ?? 'nobody')
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Session cookies of `count` logged-in visitors. */
export async function loggedInCookies(app: RunningApp, count: number): Promise<string[]> {
  const cookies: string[] = []
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${app.url}/login`)
    const cookie = response.headers.get('set-cookie')?.split(';')[0]
    await response.text()
    if (!cookie) throw new Error('the app set no session cookie')
    cookies.push(cookie)
  }
  return cookies
}
