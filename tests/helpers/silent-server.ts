import { createServer, type Socket } from 'node:net'

export interface SilentServer {
  host: string
  port: number
  /** How many connections it has accepted. */
  readonly accepted: number
  close(): Promise<void>
}

/** A TCP server on loopback that accepts connections, reads whatever is sent, and never answers. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('the silent server has no address')
  return {
    host: '127.0.0.1',
    port: address.port,
    get accepted() {
      return accepted
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
