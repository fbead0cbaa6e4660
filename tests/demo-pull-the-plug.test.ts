import type { Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DEFAULT_TIMEOUT } from '../src/index.js'
import { type Browser, chromiumIsInstalled, launchBrowser } from './helpers/browser.js'
import { press, screenshot, signedInAs, signIn, visits } from './helpers/demo-pages.js'
import { type DemoProcess, startDemo } from './helpers/demo-process.js'
import { waitFor } from './helpers/poll.js'

const NAME = 'Grace'
// Long enough to look at the outage in the page, short enough for a test.
const OUTAGE_MS = 3_000

interface Context {
  demo: DemoProcess
  browser: Browser
  page: Page
}

const redisPidsIn = (output: string) =>
  [...output.matchAll(/redis-server \(pid (\d+)\)/g), ...output.matchAll(/redis-server is back \(pid (\d+)\)/g)].map(
    ([, pid]) => Number(pid),
  )

/** What the pull-the-plug page says now: the state it shows, and the last answer to its session probe. */
async function plugPageState(page: Page) {
  const state = page.locator('#plug-state')
  const probe = page.locator('#probe')
  return {
    state: (await state.getAttribute('data-state')) ?? '',
    text: (await state.textContent()) ?? '',
    probeStatus: Number(await probe.getAttribute('data-status')),
    probeMs: Number(await probe.getAttribute('data-ms')),
    probeText: (await probe.textContent()) ?? '',
    outageAnswers: (await page.locator('#outage-answers').textContent()) ?? '',
    homeShown: await page.locator('#home').isVisible(),
  }
}

function pullThePlugSuite() {
  const test = suite<Context>('the demo in Chromium: pulling the plug on its own Redis')

  test.before(async (context) => {
    context.demo = await startDemo({ REDIS_URL: undefined, PORT: '0', DEMO_OUTAGE_MS: String(OUTAGE_MS) })
    context.browser = await launchBrowser()
    context.page = await context.browser.context.newPage()
  })
  test.after(async ({ browser, demo }) => {
    await browser?.close()
    await demo?.stop()
  })

  test('answers at once while Redis is stopped, and gives the session back, count continued, once it is back', async ({
    demo,
    browser,
    page,
  }) => {
    await signIn(page, demo.url, NAME)
    await page.reload()
    assert.is(await visits(page), 2)
    await screenshot(page, 'home')

    await press(page, 'Pull the plug')
    assert.is(new URL(page.url()).pathname, '/plug')
    await waitFor('the page to show the outage and a 503', async () => {
      const { state, probeStatus } = await plugPageState(page)
      return state === 'down' && probeStatus === 503
    })
    const during = await plugPageState(page)
    assert.match(during.text, "The store said 'disconnect' and fails fast")
    assert.ok(during.probeMs < DEFAULT_TIMEOUT, `the session probe answered within the timeout (${during.probeMs} ms)`)
    await screenshot(page, 'pull-the-plug-down')

    // Another tab of the same browser, as a user who reloads the home page meanwhile.
    const other = await browser.context.newPage()
    const started = Date.now()
    const response = await other.goto(demo.url)
    const elapsed = Date.now() - started
    assert.is(response?.status(), 503)
    assert.is(response?.headers()['retry-after'], '1')
    assert.match((await other.locator('#unavailable').textContent()) ?? '', "said 'disconnect' and fails fast")
    assert.ok(elapsed < DEFAULT_TIMEOUT, `the home page answered within the store's timeout (${elapsed} ms)`)
    await screenshot(other, 'sessions-unavailable')
    await other.close()

    await waitFor('the page to say the session is back', async () => (await plugPageState(page)).state === 'back', {
      timeoutMs: OUTAGE_MS + 20_000,
    })
    const after = await plugPageState(page)
    assert.is(after.probeStatus, 200)
    assert.match(after.probeText, `signed in as ${NAME}, 2 visits so far`)
    assert.match(after.outageAnswers, /requests? for the session got a 503, the slowest in \d+ ms/)
    assert.ok(after.homeShown, 'the page links back home')
    await screenshot(page, 'pull-the-plug-back')

    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Back home' }).click()])
    assert.is(await signedInAs(page), NAME, 'the same session, from the append-only file')
    assert.is(await visits(page), 3, 'the visit count continues')

    const pids = redisPidsIn(demo.output())
    assert.is(pids.length, 2, demo.output())
    assert.is.not(pids[0], pids[1], 'a new redis-server process, not a paused one')
  })

  test.run()
}

// demo-browser.test.ts reports a missing Chromium (a failure in CI); this suite only needs it too.
if (chromiumIsInstalled()) pullThePlugSuite()
