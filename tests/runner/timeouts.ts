/** How long one test (its before.each, body and after.each) or a suite's setup may take before it fails. */
export const DEFAULT_TIMEOUT_MS = 60_000

/**
 * The suites allowed longer, and why. Matched against the suite's name; the first match wins.
 * TEST_TIMEOUT_MS in the environment replaces every bound (the runner's own test uses it to fail fast).
 */
export const SLOW_SUITES: { name: RegExp; timeoutMs: number; why: string }[] = [
  { name: /^cluster failover/, timeoutMs: 180_000, why: 'waits for a replica to be promoted, twice' },
  { name: /^the demo in a real browser/, timeoutMs: 120_000, why: 'starts Chromium and the demo process' },
  { name: /^the public types/, timeoutMs: 180_000, why: "six tsc runs of a user's project, side by side" },
  {
    name: /^the published package/,
    timeoutMs: 120_000,
    why: 'type-checks a CommonJS project with tsc (about 15 s of CPU)',
  },
]

export function timeoutFor(suiteName: string): number {
  const override = Number(process.env.TEST_TIMEOUT_MS)
  if (Number.isFinite(override) && override > 0) return override
  return SLOW_SUITES.find((slow) => slow.name.test(suiteName))?.timeoutMs ?? DEFAULT_TIMEOUT_MS
}
