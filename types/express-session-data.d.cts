// Hand-written, and left out of the bundled declarations: their bundler drops comments, and this import needs its
// @ts-ignore. express-session is an optional peer; without @types/express-session the import below is an error
// type, which acts as `any` (and `keyof any` holds symbol): the fallback is chosen then.
// @ts-ignore
import type { SessionData } from 'express-session'

/** express-session's SessionData (with the app's fields, by declaration merging) when its types are installed, else `Fallback`. */
export type ExpressSessionDataOr<Fallback> = symbol extends keyof SessionData ? Fallback : SessionData
