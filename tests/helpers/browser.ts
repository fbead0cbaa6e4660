import { accessSync, constants } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

/** Debian's Chromium; playwright-core drives it as it is, with no browser download. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function chromiumIsInstalled(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

/**
 * A headless Chromium with a fresh profile of its own: another browser, as far as a web site can
 * tell, so two of them are two devices. Closing it removes the profile.
 */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'redis-session-store-chromium-'))
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    // A page that never shows what the test waits for fails the test in seconds, not after Playwright's 30.
    context.setDefaultTimeout(10_000)
    return {
      context,
      async close() {
        await context.close()
        await rm(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
}
