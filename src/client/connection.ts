import { rethrowOnNextTick } from '../helpers/errors.js'

/** What the store is told when its client loses or regains its connection: an emitter of these two events. */
export interface ConnectionObserver {
  emit(event: 'connect' | 'disconnect'): unknown
}

/** The part of a client library's EventEmitter that watching its connection needs. */
export interface ConnectionEvents {
  on(event: string, listener: () => void): unknown
  listenerCount(event: string): number
}

/** Tells the observer that the client lost or regained its connection. */
export type WatchConnection = (observer: ConnectionObserver) => void

/**
 * `watch(observer)` for one client: the observer hears 'disconnect' when the client stops being
 * ready and 'connect' when it is ready again, once per change. The client's events only say that
 * something may have changed; `isReady()` says what. The listeners are attached to the client once,
 * however many stores watch it (so no MaxListenersExceededWarning), and observers are held weakly,
 * so that a store nobody uses any more can still be collected.
 */
export function connectionWatch(
  client: ConnectionEvents,
  events: readonly string[],
  isReady: () => boolean,
): WatchConnection {
  const observers = new Set<WeakRef<ConnectionObserver>>()
  // A store that has been collected takes its entry with it: an app that makes a store per tenant or per
  // request on one client, which never reconnects, would otherwise collect empty references for ever.
  const forgotten = new FinalizationRegistry<WeakRef<ConnectionObserver>>((ref) => observers.delete(ref))
  let connected: boolean | undefined

  function recheck(): void {
    const now = isReady()
    if (now === connected) return
    connected = now
    const event = now ? 'connect' : 'disconnect'
    for (const ref of observers) {
      const observer = ref.deref()
      if (observer) tell(observer, event)
      else observers.delete(ref)
    }
  }

  return function watch(observer) {
    if (connected === undefined) {
      connected = isReady()
      for (const event of events) {
        // An 'error' listener would stop the client from crashing the process on an error nobody handles;
        // that choice is the application's, so errors are watched only where the application handles them.
        if (event !== 'error' || client.listenerCount('error') > 0) client.on(event, recheck)
      }
    }
    const ref = new WeakRef(observer)
    observers.add(ref)
    forgotten.register(observer, ref)
  }
}

// A listener that throws must neither stop the other stores from hearing the news nor unwind the client's emit().
function tell(observer: ConnectionObserver, event: 'connect' | 'disconnect'): void {
  try {
    observer.emit(event)
  } catch (thrown) {
    rethrowOnNextTick(thrown)
  }
}
