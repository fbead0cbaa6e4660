import { isThenable, type ParseReport, type Serializer } from '../../helpers/codec.js'
import type { SessionRecord } from '../../helpers/session.js'
import { isKoaSessionData, koaFromRecord, recordFromKoa } from './koa-record.js'

/**
 * The store's serializer for Koa sessions: the text stored is what the given serializer (JSON, encryption) makes of
 * koa-session's own data, as other Koa stores keep it, while the engine (conditional saves, the user index, lazy
 * touch) works on the same record it knows from express-session. The engine's check that a stored value is a
 * session with a cookie stays as it is: it checks the record this makes, after this has checked the Koa data.
 */
export function koaSerializer(inner: Serializer): Serializer {
  return {
    // The serializers the store takes (JSON, encryption) read no field of the session, the cookie least of all.
    stringify: (record: SessionRecord, sid: string) =>
      inner.stringify(koaFromRecord(record) as unknown as SessionRecord, sid),
    parse(text: string, sid: string, report?: ParseReport): unknown {
      const parsed = inner.parse(text, sid, report)
      return isThenable(parsed) ? Promise.resolve(parsed).then(recordFromStored) : recordFromStored(parsed)
    },
  }
}

function recordFromStored(value: unknown): SessionRecord {
  if (!isKoaSessionData(value)) {
    throw new TypeError('the stored value is not a Koa session (an object with numeric _expire and _maxAge)')
  }
  return recordFromKoa(value)
}
