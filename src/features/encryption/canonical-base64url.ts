/**
 * The bytes of `text` if it is exactly what base64url encoding writes for them, else undefined. Node's
 * decoder skips characters outside the alphabet, accepts `+`, `/` and `=`, and ignores the unused low bits
 * of the last character: without this check, text altered in those ways would still open.
 */
export function canonicalBase64url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : undefined
}
