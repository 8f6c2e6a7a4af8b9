// End-to-end test of the home page as a person sees it in Chromium, at desktop and phone
// sizes, against a running hall (EHALL_E2E_BASE_URL). It must never assume fixed values the
// server decides (version, schema version, times): it compares the page with the live API.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { baseUrl, DESKTOP, openPage, PHONE, saveScreenshot } from './browser.mjs'

const INFO_PATH = '/api/v1/system/info'
const INFO_GLOB = '**/api/v1/system/info'
const BASE = baseUrl()

const byId = (page, id) => page.locator(`[data-testid="${id}"]`)

async function liveInfo(page) {
  const res = await page.request.get(BASE + INFO_PATH)
  assert.equal(res.status(), 200, `GET ${INFO_PATH} answered ${res.status()}`)
  return res.json()
}

// Checks everything the home page must show once system info has loaded.
async function expectHomeShowsInfo(page) {
  await byId(page, 'sysinfo').waitFor({ state: 'visible' })
  const info = await liveInfo(page)

  assert.equal((await byId(page, 'hall-name').innerText()).trim(), info.name)
  assert.equal(info.name, '网上办事大厅')
  assert.equal((await byId(page, 'hall-name-en').innerText()).trim(), info.nameEn)
  assert.equal((await byId(page, 'version').innerText()).trim(), info.version)

  const schema = (await byId(page, 'schema-version').innerText()).trim()
  assert.match(schema, /^[1-9][0-9]*$/, `schema version shown as "${schema}"`)
  assert.equal(schema, String(info.schemaVersion))

  const serverTime = (await byId(page, 'server-time').innerText()).trim()
  assert.match(serverTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, `server time shown as "${serverTime}"`)

  for (const name of ['postgresql', 'redis']) {
    const dep = byId(page, `dep-${name}`)
    await dep.waitFor({ state: 'visible' })
    assert.equal(await dep.getAttribute('data-healthy'), 'true', `${name} is not shown healthy`)
    assert.equal((await dep.locator('[data-testid="dep-status"]').innerText()).trim(), '正常')
    assert.match(await dep.innerText(), /\d+(\.\d)? ms/, `${name} shows no latency`)
  }

  // Nothing sticks out sideways: a phone user would have to scroll horizontally.
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  )
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`)
}

test('desktop 1280x800: hall name and system info with healthy dependencies', { timeout: 90000 }, async () => {
  const { page, pageErrors, close } = await openPage(DESKTOP)
  try {
    const requestIds = []
    const foreign = []
    page.on('request', (req) => {
      if (req.url().endsWith(INFO_PATH)) requestIds.push(req.headers()['x-request-id'])
      // The hall must not make its users' browsers contact anyone else (CDNs, analytics).
      if (!req.url().startsWith(BASE + '/') && !req.url().startsWith('data:')) foreign.push(req.url())
    })
    await page.goto(BASE + '/')
    await expectHomeShowsInfo(page)
    assert.ok(requestIds.length >= 1 && /^[0-9a-f]{32}$/.test(requestIds[0]), 'no x-request-id sent')

    // On a wide screen the card is a centred column, not stretched edge to edge.
    const box = await byId(page, 'sysinfo-card').boundingBox()
    assert.ok(box.width <= 900, `card is ${box.width}px wide on desktop`)
    const centre = box.x + box.width / 2
    assert.ok(Math.abs(centre - 640) <= 20, `card centre at ${centre}px, not centred`)

    assert.equal(await page.title(), '网上办事大厅')
    assert.deepEqual(foreign, [], 'requests to other hosts')
    assert.deepEqual(pageErrors.map(String), [])
    await saveScreenshot(page, 'home-desktop')
  } finally {
    await close()
  }
})

test('phone 390x844: hall name and system info with healthy dependencies', { timeout: 90000 }, async () => {
  const { page, pageErrors, close } = await openPage(PHONE)
  try {
    await page.goto(BASE + '/')
    await expectHomeShowsInfo(page)
    const box = await byId(page, 'sysinfo-card').boundingBox()
    assert.ok(box.x >= 0 && box.x + box.width <= 390, 'card does not fit the phone screen')
    assert.deepEqual(pageErrors.map(String), [])
    await saveScreenshot(page, 'home-phone')
  } finally {
    await close()
  }
})

test('gateway error: message and retry button, retry recovers', { timeout: 90000 }, async () => {
  const { page, close } = await openPage(DESKTOP)
  try {
    const failWith503 = (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ code: 14, message: '服务暂不可用', details: [] }),
      })
    await page.route(INFO_GLOB, failWith503)
    await page.goto(BASE + '/')

    await byId(page, 'error').waitFor({ state: 'visible' })
    assert.equal((await byId(page, 'error-message').innerText()).trim(), '服务暂不可用')
    await byId(page, 'retry').waitFor({ state: 'visible' })
    assert.equal(await byId(page, 'sysinfo').count(), 0)
    await saveScreenshot(page, 'home-error')

    await page.unroute(INFO_GLOB, failWith503)
    await byId(page, 'retry').click()
    await expectHomeShowsInfo(page)
    assert.equal(await byId(page, 'error').count(), 0)
  } finally {
    await close()
  }
})

test('network failure: shown in Chinese with a retry button', { timeout: 90000 }, async () => {
  const { page, close } = await openPage(PHONE)
  try {
    await page.route(INFO_GLOB, (route) => route.abort('connectionrefused'))
    await page.goto(BASE + '/')
    await byId(page, 'error').waitFor({ state: 'visible' })
    assert.equal((await byId(page, 'error-message').innerText()).trim(), '网络连接失败，请稍后重试')
    await byId(page, 'retry').waitFor({ state: 'visible' })
  } finally {
    await close()
  }
})

test('unhealthy dependency: proto3 JSON omits healthy=false, page shows 异常', { timeout: 90000 }, async () => {
  const { page, close } = await openPage(DESKTOP)
  try {
    // Take the live answer and mark redis down the way the gateway would encode it.
    await page.route(INFO_GLOB, async (route) => {
      const res = await route.fetch()
      const info = await res.json()
      for (const dep of info.dependencies || []) {
        if (dep.name === 'redis') {
          delete dep.healthy
          dep.detail = 'connection refused'
        }
      }
      await route.fulfill({ response: res, json: info })
    })
    await page.goto(BASE + '/')
    await byId(page, 'sysinfo').waitFor({ state: 'visible' })
    const redis = byId(page, 'dep-redis')
    assert.equal(await redis.getAttribute('data-healthy'), 'false')
    assert.equal((await redis.locator('[data-testid="dep-status"]').innerText()).trim(), '异常')
    const pg = byId(page, 'dep-postgresql')
    assert.equal((await pg.locator('[data-testid="dep-status"]').innerText()).trim(), '正常')
    await saveScreenshot(page, 'home-redis-down')
  } finally {
    await close()
  }
})
