/** The Redis key that holds a session: the prefix followed by the session id. */
export const keyFor =
  (prefix: string) =>
  (sid: string): string =>
    prefix + sid

/** The session id inside a key written by `keyFor(prefix)`. */
export const sidFrom =
  (prefix: string) =>
  (key: string): string =>
    key.slice(prefix.length)

/** The text with Redis glob characters escaped, so that it matches only itself in SCAN MATCH. */
export const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&')

/** The SCAN MATCH pattern for every key under the prefix, and only those. */
export const scanPatternFor = (prefix: string): string => `${escapeGlob(prefix)}*`
