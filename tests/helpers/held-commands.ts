/** The first call of a client method that matched, held before it is sent until the test lets it go. */
export interface HeldCommand {
  /** Resolves when a matching call has been made and is being held. */
  readonly arrived: Promise<void>
  /** Sends the held call (and lets later matching calls through unheld). */
  release(): void
}

/**
 * The client, seen through a Proxy that holds the first call of a method matching `matches(method, args)`
 * until `release()`: it stands for a command that is slow to land (on another cluster node, or resent after
 * NOSCRIPT). The command then goes to the real server, unchanged; every other call goes at once.
 */
export function holdFirst<Client extends object>(
  client: Client,
  matches: (method: string, args: unknown[]) => boolean,
): { client: Client; held: HeldCommand } {
  let arrive: () => void = () => {}
  let release: () => void = () => {}
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve
  })
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  let holding = false
  const proxy = new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (holding || !matches(String(property), args)) return value.apply(target, args)
        holding = true
        arrive()
        return released.then(() => value.apply(target, args))
      }
    },
  })
  return { client: proxy, held: { arrived, release } }
}
