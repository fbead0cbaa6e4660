import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'

/** Submits a form with the named button and waits for the page it leads to (after any redirect). */
export async function press(page: Page, button: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button }).click()])
}

/** The visit count the demo's home page shows. */
export const visits = async (page: Page): Promise<number> => Number(await page.locator('#visits').textContent())

/** Who the page says is signed in, or undefined. */
export const signedInAs = async (page: Page): Promise<string | null | undefined> =>
  (await page.locator('#user').count()) === 0 ? undefined : await page.locator('#user').textContent()

/** Signs in as `name`, after signing out if an earlier test left the browser signed in. */
export async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url)
  if ((await signedInAs(page)) !== undefined) await press(page, 'Sign out')
  await page.getByLabel('Name').fill(name)
  await press(page, 'Sign in')
}

/**
 * A PNG of the whole page, as `<name>.png` in $DEMO_SCREENSHOTS, only when that variable is set: the
 * README's pictures are taken by running the browser tests with it, and a plain run writes nothing.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.DEMO_SCREENSHOTS
  if (!dir) return
  await mkdir(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
}
