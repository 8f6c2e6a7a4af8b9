// End-to-end test of 服务目录与办事指南 (issue 5) as its people meet it, against a running hall
// (EHALL_E2E_BASE_URL) whose database the test can reach (EHALL_TEST_PG_DSN): a 教务处 (JWC)
// department admin has a service published (its first version set up through the API, as an
// import would); an anonymous visitor on a phone finds it by its pinyin initials and reads its
// guide, whose text holding HTML shows as text and runs nothing; the admin, on a PC, edits the
// summary in the guide editor, previews, publishes; the visitor sees the change; an admin of
// another department (学生处) is refused in the editor and by the API.
// Independent and re-runnable: accounts and the service are the run's own; the service's name
// is made of characters whose pinyin the test knows, so its initials are known.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { baseUrl, DESKTOP, openPage, PHONE, saveScreenshot } from './browser.mjs'
import { api, box, byId, createAccount, login, noSideScroll } from './accounts.mjs'

const BASE = baseUrl()
const PASSWORD = 'Catalog-e2e#2026'
const RUN = Date.now().toString(36) + crypto.randomBytes(2).toString('hex')
const JWC_ADMIN = { campusId: `e2c${RUN}a`, name: `教务测试${RUN.slice(-4)}` }
const XSC_ADMIN = { campusId: `e2c${RUN}x`, name: `学工测试${RUN.slice(-4)}` }
const CODE = `e2e-${RUN}`
// Characters with one reading each: the name's initials are the first letters below.
const SPELL = { 甲: 'jia', 乙: 'yi', 丙: 'bing', 丁: 'ding', 戊: 'wu', 庚: 'geng', 辛: 'xin', 壬: 'ren', 癸: 'gui' }
const chars = Array.from({ length: 5 }, () => Object.keys(SPELL)[crypto.randomInt(9)])
const NAME = chars.join('') + '证明'
const INITIALS = chars.map((c) => SPELL[c][0]).join('') + 'zm'
const HTML_TEXT = '<img src=x onerror=alert(1)> 第一版说明'
const NEW_SUMMARY = `第二版说明（${RUN}）：材料齐全后当场办结。`

function guide(summary) {
  return {
    name: NAME,
    nameEn: `E2E certificate ${RUN}`,
    categories: ['certificates'],
    audience: 'AUDIENCE_EVERYONE',
    summary,
    steps: ['网上申请', '教务处审核', '领取证明'],
    timeLimitWorkdays: 1,
    fees: '免费',
    locations: [{ campus: '东校区', place: '行政楼 105 室', hours: [{ weekdays: [1, 2, 3, 4, 5], open: '08:30', close: '17:30' }] }],
    mode: 'HANDLING_MODE_ONLINE',
  }
}

// The visitor's search: type the initials, open the result.
async function findByInitials(page) {
  await page.goto(BASE + '/#/pages/catalog/home')
  await byId(page, 'catalog-home').waitFor({ state: 'visible' })
  await box(page, 'search-input').fill(INITIALS)
  await byId(page, 'search-submit').click()
  const item = page.locator(`[data-testid="service-item"][data-code="${CODE}"]`)
  await item.waitFor({ state: 'visible' })
  assert.match(await item.locator('[data-testid="service-match"]').innerText(), /拼音首字母/)
  await item.click()
  await byId(page, 'guide-summary').waitFor({ state: 'visible' })
}

test('catalog: visitor finds a guide by initials on a phone → JWC admin edits, previews, publishes → visitor sees it → XSC admin refused', { timeout: 240000 }, async () => {
  createAccount(JWC_ADMIN, 2, 'JWC', ['staff', 'dept_admin@JWC'], PASSWORD)
  createAccount(XSC_ADMIN, 2, 'XSC', ['staff', 'dept_admin@XSC'], PASSWORD)

  // ---- set-up: version 1, published (as the department's import would) ---------------------
  const pc = await openPage(DESKTOP)
  const phone = await openPage(PHONE)
  try {
    const admin = pc.page
    await login(admin, JWC_ADMIN, PASSWORD)
    let r = await api(admin, 'POST', '/api/v1/admin/catalog/services', { code: CODE, ownerUnit: 'JWC', guide: guide(HTML_TEXT) })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(admin, 'POST', `/api/v1/admin/catalog/services/${CODE}:publish`, { version: 1 })
    assert.equal(r.status, 200, JSON.stringify(r.json))

    // ---- the anonymous visitor on a phone --------------------------------------------------
    const visitor = phone.page
    let dialogs = 0
    visitor.on('dialog', async (d) => {
      dialogs++
      await d.dismiss()
    })
    await findByInitials(visitor)
    assert.equal(await byId(visitor, 'guide-name').innerText(), NAME)
    // The HTML in the summary is text: shown literally, no image element, no script ran.
    assert.ok((await byId(visitor, 'guide-summary').innerText()).includes(HTML_TEXT))
    assert.equal(await byId(visitor, 'guide-summary').locator('img').count(), 0)
    assert.equal(dialogs, 0)
    assert.equal(await byId(visitor, 'enter-service').count(), 1, 'an online service offers 进入服务')
    await noSideScroll(visitor)
    await saveScreenshot(visitor, 'catalog-guide-phone')

    // ---- the JWC admin edits, previews and publishes -----------------------------------------
    await admin.goto(`${BASE}/#/pages/catalog/editor?code=${CODE}`)
    await byId(admin, 'editor-form').waitFor({ state: 'visible' })
    const summary = admin.locator('[data-testid="g-summary"] textarea')
    await summary.fill(NEW_SUMMARY)
    await byId(admin, 'save-draft').click()
    await byId(admin, 'editor-notice').waitFor({ state: 'visible' })
    assert.match(await byId(admin, 'editor-notice').innerText(), /草稿第 2 版/)
    await byId(admin, 'toggle-preview').click()
    await byId(admin, 'preview').waitFor({ state: 'visible' })
    assert.equal(await byId(admin, 'preview').locator('[data-testid="guide-summary"]').innerText(), NEW_SUMMARY)
    await saveScreenshot(admin, 'catalog-editor-preview-desktop')
    // Until it is published, visitors still get version 1.
    await visitor.reload()
    await byId(visitor, 'guide-summary').waitFor({ state: 'visible' })
    assert.ok((await byId(visitor, 'guide-summary').innerText()).includes(HTML_TEXT))
    await byId(admin, 'publish').click()
    await admin.locator('[data-testid="editor-notice"]', { hasText: '已发布' }).waitFor({ state: 'visible' })
    // The history shows both versions; comparing them shows the summary changed.
    await admin.locator('[data-testid="version"][data-version="1"] .c-chip').click()
    await admin.locator('[data-testid="version"][data-version="2"] .c-chip').click()
    await byId(admin, 'diff').click()
    const change = admin.locator('[data-testid="diff-change"][data-field="summary"]')
    await change.waitFor({ state: 'visible' })
    assert.ok((await change.innerText()).includes(NEW_SUMMARY))

    // ---- the visitor sees the change ----------------------------------------------------------
    await findByInitials(visitor)
    assert.equal(await byId(visitor, 'guide-summary').innerText(), NEW_SUMMARY)
  } finally {
    await phone.close()
    await pc.close()
  }

  // ---- an admin of another department cannot edit it -------------------------------------------
  const other = await openPage(DESKTOP)
  try {
    const page = other.page
    await login(page, XSC_ADMIN, PASSWORD)
    await page.goto(`${BASE}/#/pages/catalog/editor?code=${CODE}`)
    await byId(page, 'editor-error').waitFor({ state: 'visible' })
    assert.match(await byId(page, 'error-message').innerText(), /无权管理/)
    const r = await api(page, 'PUT', `/api/v1/admin/catalog/services/${CODE}/draft`, { guide: guide('不该成功') })
    assert.equal(r.status, 403, JSON.stringify(r.json))
    assert.match(r.json.message, /只有服务所属部门的管理员/)
    // Nothing changed for visitors.
    const pub = await page.request.get(`${BASE}/api/v1/catalog/services/${CODE}`)
    assert.equal((await pub.json()).guide.summary, NEW_SUMMARY)
  } finally {
    await other.close()
  }
})
