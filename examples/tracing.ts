// The store's tracing channels, one per method, turned into log lines. No session id is in any context.
import { tracingChannel } from 'node:diagnostics_channel'

const ignore = () => {}
tracingChannel('redis-session-store:get').subscribe({
  start: ignore,
  end: ignore,
  asyncStart: ignore,
  asyncEnd: (context) => console.log('session read:', (context as { outcome?: string }).outcome),
  error: (context) => console.warn('session read failed:', (context as { error: Error }).error.message),
})
