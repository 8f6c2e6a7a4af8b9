// End-to-end test of 意见反馈 (pages/feedback/feedback) as a person uses it on a phone, against a
// running hall (EHALL_E2E_BASE_URL): reach it from the home page, get the server's field error
// next to the content field, fix it, get a receipt. The stored row itself is checked by the
// integration tests (tests/integration/test_feedback.py); here only what the user sees and what
// the page sends (Idempotency-Key per submission, reused on retry).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { baseUrl, openPage, PHONE, saveScreenshot } from './browser.mjs'

const BASE = baseUrl()
const FEEDBACK_PATH = '/api/v1/feedback'
const FEEDBACK_GLOB = '**/api/v1/feedback'
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const byId = (page, id) => page.locator(`[data-testid="${id}"]`)
// uni-app's H5 components wrap the native control: <uni-textarea><textarea>, <uni-input><input>.
const contentBox = (page) => page.locator('[data-testid="content"] textarea')
const contactBox = (page) => page.locator('[data-testid="contact"] input')

// Every POST the page makes to the feedback endpoint: { key, body }.
function recordSubmissions(page) {
  const seen = []
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().endsWith(FEEDBACK_PATH)) {
      seen.push({ key: req.headers()['idempotency-key'], body: JSON.parse(req.postData() || '{}') })
    }
  })
  return seen
}

async function openFromHome(page) {
  await page.goto(BASE + '/')
  await byId(page, 'feedback-link').click()
  await byId(page, 'feedback-form').waitFor({ state: 'visible' })
  assert.match(page.url(), /#\/pages\/feedback\/feedback/)
}

test('phone: too-short content shows the error at the content field; fixed, a receipt', { timeout: 90000 }, async () => {
  const { page, pageErrors, close } = await openPage(PHONE)
  try {
    const sent = recordSubmissions(page)
    await openFromHome(page)

    await byId(page, 'category-problem').click()
    assert.equal(await byId(page, 'category-problem').getAttribute('data-selected'), 'true')
    await contentBox(page).fill('太短了')
    assert.equal((await byId(page, 'content-count').innerText()).trim(), '3/2000')

    // Hold the reply until the page has shown it is sending, so the check does not race it.
    let release, passed
    const held = new Promise((r) => (release = r))
    const through = new Promise((r) => (passed = r))
    const hold = async (route) => {
      await held
      await route.continue()
      passed()
    }
    await page.route(FEEDBACK_GLOB, hold)
    await byId(page, 'submit').click()
    await page.locator('[data-testid="submit"][data-sending="true"]').waitFor()
    assert.equal(await byId(page, 'submit').getAttribute('aria-disabled'), 'true')
    release()
    await through
    await page.unroute(FEEDBACK_GLOB, hold)

    const err = byId(page, 'error-content')
    await err.waitFor({ state: 'visible' })
    assert.equal((await err.innerText()).trim(), '反馈内容至少 5 个字')
    // Next to the field that caused it: inside the content field, right under its box.
    assert.equal(await byId(page, 'field-content').locator('[data-testid="error-content"]').count(), 1)
    const box = await contentBox(page).boundingBox()
    const errBox = await err.boundingBox()
    assert.ok(errBox.y >= box.y + box.height && errBox.y - (box.y + box.height) < 60,
      `error at y=${errBox.y}, content box ends at y=${box.y + box.height}`)
    assert.equal(await byId(page, 'error-category').count(), 0)
    assert.equal(await byId(page, 'form-error').count(), 0)
    assert.equal(await byId(page, 'submit').getAttribute('data-sending'), 'false')
    await saveScreenshot(page, 'feedback-error-phone')

    // Fixing the text takes the error away; the count follows code points ("好" is one).
    const text = '预约页面在手机上打不开，希望尽快修复。'
    await contentBox(page).fill(text)
    assert.equal(await byId(page, 'error-content').count(), 0)
    assert.equal((await byId(page, 'content-count').innerText()).trim(), `${Array.from(text).length}/2000`)
    await contactBox(page).fill('zhang.san@example.edu.cn')
    await byId(page, 'submit').click()

    await byId(page, 'feedback-success').waitFor({ state: 'visible' })
    assert.match(await byId(page, 'feedback-success').innerText(), /感谢您的反馈/)
    const id = (await byId(page, 'receipt-id').innerText()).trim()
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, `receipt id "${id}"`)
    assert.match((await byId(page, 'receipt-time').innerText()).trim(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)

    // Two submissions, two keys; what was sent is what the user typed, with the page it came from.
    assert.equal(sent.length, 2)
    assert.match(sent[0].key, UUID_RE)
    assert.match(sent[1].key, UUID_RE)
    assert.notEqual(sent[0].key, sent[1].key)
    assert.deepEqual(sent[1].body, {
      category: 'FEEDBACK_CATEGORY_PROBLEM',
      content: text,
      contact: 'zhang.san@example.edu.cn',
      page: 'pages/index/index',
    })

    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    )
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`)
    assert.deepEqual(pageErrors.map(String), [])
    await saveScreenshot(page, 'feedback-success-phone')

    // "New" gives an empty form again.
    await byId(page, 'feedback-again').click()
    await byId(page, 'feedback-form').waitFor({ state: 'visible' })
    assert.equal(await contentBox(page).inputValue(), '')
    assert.equal((await byId(page, 'content-count').innerText()).trim(), '0/2000')
  } finally {
    await close()
  }
})

test('phone: a lost request is retried with the same Idempotency-Key', { timeout: 90000 }, async () => {
  const { page, close } = await openPage(PHONE)
  try {
    const sent = recordSubmissions(page)
    await openFromHome(page)
    await byId(page, 'category-suggestion').click()
    await contentBox(page).fill('希望增加夜间预约时段，方便上课的同学。')

    const drop = (route) => route.abort('connectionreset')
    await page.route(FEEDBACK_GLOB, drop)
    await byId(page, 'submit').click()
    await byId(page, 'form-error').waitFor({ state: 'visible' })
    assert.match(await byId(page, 'form-error').innerText(), /网络连接失败/)
    await page.unroute(FEEDBACK_GLOB, drop)

    await byId(page, 'submit').click()
    await byId(page, 'feedback-success').waitFor({ state: 'visible' })
    assert.equal(sent.length, 2)
    assert.match(sent[0].key, UUID_RE)
    assert.equal(sent[1].key, sent[0].key, 'the retry of one submission changed its key')
  } finally {
    await close()
  }
})

test('phone: no category chosen shows the error at the category field', { timeout: 90000 }, async () => {
  const { page, close } = await openPage(PHONE)
  try {
    await page.goto(BASE + '/#/pages/feedback/feedback')
    await byId(page, 'feedback-form').waitFor({ state: 'visible' })
    await contentBox(page).fill('这是一条没有选择类型的反馈')
    await byId(page, 'submit').click()
    const err = byId(page, 'error-category')
    await err.waitFor({ state: 'visible' })
    assert.match((await err.innerText()).trim(), /^请选择反馈类型/)
    assert.equal(await byId(page, 'field-category').locator('[data-testid="error-category"]').count(), 1)
    assert.equal(await byId(page, 'error-content').count(), 0)
    // Choosing one clears it.
    await byId(page, 'category-praise').click()
    assert.equal(await byId(page, 'error-category').count(), 0)
  } finally {
    await close()
  }
})
