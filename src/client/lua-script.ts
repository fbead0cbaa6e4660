import { createHash } from 'node:crypto'

/** A Lua script with its SHA1, so that it is sent by digest (EVALSHA) rather than as text on every call. */
export interface LuaScript {
  readonly source: string
  readonly sha1: string
}

export const luaScript = (source: string): LuaScript => ({
  source,
  sha1: createHash('sha1').update(source).digest('hex'),
})

/** Sends `EVALSHA <sha1> 1 key ...args` or `EVAL <source> 1 key ...args` to the node of `key`. */
export type SendEval = (command: 'EVALSHA' | 'EVAL', scriptOrSha: string) => Promise<unknown>

/**
 * EVALSHA, then EVAL once when the server has not got the script cached (its first use, a restart, a
 * failover to a replica, SCRIPT FLUSH): the script is loaded by that EVAL, and the next call is short again.
 */
export async function evalByDigest(script: LuaScript, send: SendEval): Promise<unknown> {
  try {
    return await send('EVALSHA', script.sha1)
  } catch (error) {
    if (!isNoScript(error)) throw error
    return send('EVAL', script.source)
  }
}

// The server's reply starts with NOSCRIPT; Valkey GLIDE rewords it ("... - NoScriptError: No matching script").
const isNoScript = (error: unknown): boolean => {
  const message = String((error as Error | undefined)?.message)
  return message.startsWith('NOSCRIPT') || message.includes('NoScriptError:')
}
