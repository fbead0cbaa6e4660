import { EventEmitter } from 'node:events'
import { storeError } from '../helpers/errors.js'
import { connectionWatch, type WatchConnection } from './connection.js'

/** While the connection counts as lost, a probe (PING) is sent this long after the previous one settled. */
export const GLIDE_PROBE_INTERVAL_MS = 500

/** The connection state of a client that has neither events nor a state of its own, told by its commands' outcomes. */
export interface DerivedConnection {
  isReady(): boolean
  watchConnection: WatchConnection
  /** The command's reply; its failure, with a GLIDE timeout as ERR_STORE_TIMEOUT, tells the state. */
  observe<T>(reply: Promise<T>): Promise<T>
}

// GLIDE's error classes, told by name (ValkeyError's name is its class's): the package is not imported.
const CLOSED = 'ClosingError'
const UNREACHABLE = new Set(['ConnectionError', 'TimeoutError'])

const nameOf = (error: unknown) => (error instanceof Error ? error.name : undefined)

/**
 * A Valkey GLIDE client reconnects by itself and says nothing about it: a command meanwhile fails after the
 * client's requestTimeout (250 ms by default) with a TimeoutError, or with a ConnectionError. Either one marks
 * the connection lost ('disconnect', and the store fails fast); from then on `probe` (a PING, to every primary of
 * a cluster) is sent every GLIDE_PROBE_INTERVAL_MS, and the first that succeeds marks it back ('connect'). Only
 * the probe brings it back, so that a reply from one healthy node of a cluster does not flap the state. A
 * ClosingError (the application closed the client) is final: no more probes.
 */
export function derivedConnection(kind: string, probe: () => Promise<unknown>): DerivedConnection {
  const changes = new EventEmitter()
  let state: 'connected' | 'lost' | 'closed' = 'connected'
  let probing = false

  const isReady = () => state === 'connected'

  function lose(closed: boolean): void {
    if (state === 'closed') return
    const wasConnected = state === 'connected'
    state = closed ? 'closed' : 'lost'
    if (wasConnected) changes.emit('change')
    if (!closed && !probing) scheduleProbe()
  }

  function scheduleProbe(): void {
    probing = true
    // No reason to keep the process alive: the client's own socket decides that, until it is closed.
    setTimeout(sendProbe, GLIDE_PROBE_INTERVAL_MS).unref()
  }

  function sendProbe(): void {
    if (state !== 'lost') {
      probing = false
      return
    }
    let sent: Promise<unknown>
    try {
      sent = probe()
    } catch (error) {
      sent = Promise.reject(error)
    }
    sent.then(
      () => {
        probing = false
        if (state !== 'lost') return
        state = 'connected'
        changes.emit('change')
      },
      (error: unknown) => {
        if (nameOf(error) === CLOSED) {
          probing = false
          state = 'closed'
        } else scheduleProbe()
      },
    )
  }

  function failed(error: unknown): never {
    const name = nameOf(error)
    if (name === CLOSED) lose(true)
    else if (name !== undefined && UNREACHABLE.has(name)) lose(false)
    if (name === 'TimeoutError') {
      throw storeError(
        'ERR_STORE_TIMEOUT',
        `the ${kind} got no answer within its requestTimeout (GLIDE's default is 250 ms)`,
        error,
      )
    }
    throw error
  }

  return {
    isReady,
    watchConnection: connectionWatch(changes, ['change'], isReady),
    observe: (reply) => reply.catch(failed),
  }
}
