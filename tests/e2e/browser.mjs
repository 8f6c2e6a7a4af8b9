// Shared set-up for the end-to-end tests: where the hall runs, how Chromium is started, where
// screenshots go. It must never download a browser (this machine cannot): it drives Debian's
// /usr/bin/chromium through playwright-core installed by miniprogram/'s lockfile.
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const repoRoot = path.resolve(here, '..', '..')
export const miniprogramDir = path.join(repoRoot, 'miniprogram')

// playwright-core and miniprogram-compiler are devDependencies of miniprogram/, so one
// `npm ci` there installs everything the e2e tests need.
export const requireFromMiniprogram = createRequire(path.join(miniprogramDir, 'package.json'))

export const CHROMIUM_PATH = process.env.EHALL_E2E_CHROMIUM || '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 }
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
}

// The hall under test, e.g. http://127.0.0.1:8080 (the gateway serving the H5 build).
// Missing is a failure, not a skip: a run that tested nothing must not look green.
export function baseUrl() {
  const url = process.env.EHALL_E2E_BASE_URL
  if (!url) {
    throw new Error(
      'EHALL_E2E_BASE_URL is not set: point it at the gateway serving the H5 build, ' +
        'e.g. EHALL_E2E_BASE_URL=http://127.0.0.1:8080 node --test tests/e2e/',
    )
  }
  return url.replace(/\/+$/, '')
}

function loadPlaywright() {
  try {
    return requireFromMiniprogram('playwright-core')
  } catch (e) {
    throw new Error(
      'playwright-core is not installed: run `cd miniprogram && npm ci --no-audit --no-fund` first',
    )
  }
}

// Opens a fresh Chromium with its own throw-away profile, one page, and the given device
// options. Returns { context, page, pageErrors, close }; close() also removes the profile.
export async function openPage(device) {
  const { chromium } = loadPlaywright()
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ehall-e2e-profile-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...device,
  })
  // A hang guard only: every wait ends well before node's own test timeout.
  context.setDefaultTimeout(20000)
  const page = context.pages()[0] || (await context.newPage())
  const pageErrors = []
  page.on('pageerror', (err) => pageErrors.push(err))
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close()
      fs.rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

// Saves a full-page screenshot under $EHALL_E2E_ARTIFACTS, if set, for people to look at.
export async function saveScreenshot(page, name) {
  const dir = process.env.EHALL_E2E_ARTIFACTS
  if (!dir) return
  fs.mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true })
}
