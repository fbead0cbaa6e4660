import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ListeningApp {
  url: string
  /** Closes the server, and the connections it still holds (keep-alive ones included). */
  close(): Promise<void>
}

/** An app's server, listening on a free port of 127.0.0.1: resolves once it is, with its URL. */
export async function onLoopback(server: Server): Promise<ListeningApp> {
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
