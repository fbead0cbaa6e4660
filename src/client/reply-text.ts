/**
 * Replies as text. A client configured with a Buffer type mapping (node-redis's RESP type mapping, GLIDE's Bytes
 * decoder) answers with Buffers; the store compares, de-duplicates and hands out text.
 */
export const asText = (value: unknown): string | null =>
  typeof value === 'string' ? value : value == null ? null : String(value)
