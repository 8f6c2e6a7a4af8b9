// End-to-end test of 预约时段管理 (pages/booking/manage) as a department admin meets it on a PC,
// against a running hall (EHALL_E2E_BASE_URL) whose database the test can reach
// (EHALL_TEST_PG_DSN): a 教务处 (JWC) admin with a bookable service of his own (made through the
// API) opens the page from the guide editor, adds two weekly templates — one ending before it
// starts is refused at that row's end time and nothing is saved — fixes it and saves; generates
// the slots of a 7-day range starting 10 days ahead (the count shown is what the API lists);
// resizes one slot and closes another (已停止); a student books a seat over HTTP and a resize
// below it is refused at that slot. Independent and re-runnable: accounts and service are the run's own.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { baseUrl, DESKTOP, openPage, saveScreenshot } from './browser.mjs'
import { api, box, byId, createAccount, inputShows, login, noSideScroll } from './accounts.mjs'

const BASE = baseUrl()
const PASSWORD = 'BookingMgr-e2e#2026'
const RUN = Date.now().toString(36) + crypto.randomBytes(2).toString('hex')
const ADMIN = { campusId: `e2m${RUN}a`, name: `教务时段${RUN.slice(-4)}` }
const STUDENT = { campusId: `e2m${RUN}1`, name: `时段学生${RUN.slice(-4)}` }
const CODE = `e2e-bm-${RUN}`
const NAME = `时段管理测试${RUN.slice(-4)}`
const LOCATION = `行政楼 2${RUN.slice(-2)} 室`

// The day n days after day ("2026-12-01"), by the calendar.
function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}


async function adminSlots(page, from, to) {
  const r = await api(page, 'GET', `/api/v1/admin/services/${CODE}/slots?fromDay=${from}&toDay=${to}`)
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return r.json.slots || []
}

test('booking manage: templates with a field error → save → generate → resize, close, refuse a resize below booked', { timeout: 240000 }, async () => {
  createAccount(ADMIN, 2, 'JWC', ['staff', 'dept_admin@JWC'], PASSWORD)
  createAccount(STUDENT, 1, 'CS-2023-1', ['student'], PASSWORD)

  const pc = await openPage(DESKTOP)
  const stu = await openPage(DESKTOP)
  try {
    // ---- set-up: a published booking service of JWC, no slots yet ----------------------------------
    const admin = pc.page
    await login(admin, ADMIN, PASSWORD)
    let r = await api(admin, 'POST', '/api/v1/admin/catalog/services', {
      code: CODE,
      ownerUnit: 'JWC',
      guide: {
        name: NAME,
        nameEn: `E2E booking manage ${RUN}`,
        categories: ['certificates'],
        audience: 'AUDIENCE_EVERYONE',
        summary: '现场办理，请先预约。',
        steps: ['网上预约', '按时到场'],
        mode: 'HANDLING_MODE_BOOKING',
      },
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(admin, 'POST', `/api/v1/admin/catalog/services/${CODE}:publish`, { version: 1 })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    // The hall's today (its time zone, not this machine's).
    r = await api(admin, 'GET', '/api/v1/admin/bookings')
    assert.equal(r.status, 200, JSON.stringify(r.json))
    const today = r.json.day
    const from = addDays(today, 10)
    const to = addDays(today, 16)

    // ---- the guide editor links to the page (a booking service) --------------------------------------
    await admin.goto(`${BASE}/#/pages/catalog/editor?code=${CODE}`)
    await byId(admin, 'open-booking-manage').click()
    await byId(admin, 'booking-manage').waitFor({ state: 'visible' })
    assert.match(admin.url(), new RegExp(`pages/booking/manage\\?code=${CODE}$`))
    assert.equal(await byId(admin, 'manage-service-name').innerText(), NAME)
    await byId(admin, 'slots-empty').waitFor({ state: 'visible' })

    // ---- rules and two templates, the second ending before it starts ---------------------------------
    await box(admin, 'rule-openDaysAhead').fill('30')
    await box(admin, 'rule-maxPerWeek').fill('0')
    await byId(admin, 'tpl-add').click()
    await byId(admin, 'tpl-add').click()
    const rows = admin.locator('[data-testid="tpl-row"]')
    assert.equal(await rows.count(), 2)
    const fillRow = async (i, weekday, start, end, cap) => {
      const row = rows.nth(i)
      await row.locator(`[data-testid="tpl-weekday"][data-value="${weekday}"]`).click()
      assert.match(await row.locator(`[data-testid="tpl-weekday"][data-value="${weekday}"]`).getAttribute('class'), /m-wd-on/)
      await row.locator('[data-testid="tpl-start"] input').fill(start)
      await row.locator('[data-testid="tpl-end"] input').fill(end)
      await row.locator('[data-testid="tpl-location"] input').fill(LOCATION)
      await row.locator('[data-testid="tpl-capacity"] input').fill(cap)
    }
    await fillRow(0, 2, '09:00', '09:30', '2')
    await fillRow(1, 4, '14:00', '13:30', '3')
    await byId(admin, 'settings-save').click()
    const endError = rows.nth(1).locator('[data-testid="error-tpl-end"]')
    await endError.waitFor({ state: 'visible' })
    assert.match(await endError.innerText(), /结束时间应晚于开始时间/)
    assert.equal(await rows.nth(0).locator('[data-testid="error-tpl-end"]').count(), 0)
    assert.equal(await rows.nth(1).locator('[data-testid="error-tpl-start"]').count(), 0)
    assert.match(await byId(admin, 'settings-error').innerText(), /未保存/)
    await saveScreenshot(admin, 'booking-manage-template-error-desktop')
    r = await api(admin, 'GET', `/api/v1/admin/services/${CODE}/booking`)
    assert.equal(r.status, 200, JSON.stringify(r.json))
    assert.deepEqual(r.json.templates || [], [], 'nothing is saved while a row is wrong')
    assert.notEqual((r.json.rules || {}).openDaysAhead, 30)

    // ---- fixed and saved ----------------------------------------------------------------------------------
    await rows.nth(1).locator('[data-testid="tpl-end"] input').fill('14:30')
    await byId(admin, 'settings-save').click()
    await byId(admin, 'settings-notice').waitFor({ state: 'visible' })
    assert.equal(await admin.locator('[data-testid="error-tpl-end"]').count(), 0)
    r = await api(admin, 'GET', `/api/v1/admin/services/${CODE}/booking`)
    assert.equal(r.status, 200, JSON.stringify(r.json))
    assert.equal(r.json.rules.openDaysAhead, 30)
    assert.deepEqual(
      (r.json.templates || []).map((t) => [t.weekday, t.startTime, t.endTime, t.location, t.capacity]).sort(),
      [[2, '09:00', '09:30', LOCATION, 2], [4, '14:00', '14:30', LOCATION, 3]],
    )

    // ---- generate the slots of 7 days starting 10 days ahead ----------------------------------------------
    await box(admin, 'gen-from').fill(from)
    await box(admin, 'gen-to').fill(to)
    await byId(admin, 'gen-submit').click()
    const result = byId(admin, 'gen-result')
    await result.waitFor({ state: 'visible' })
    const text = await result.innerText()
    const m = /^新建 (\d+) 个，已有 (\d+) 个，跳过 (.+)$/.exec(text.trim())
    assert.ok(m, `result line: ${text}`)
    const created = Number(m[1])
    assert.equal(Number(m[2]), 0)
    let listed = await adminSlots(admin, from, to)
    assert.equal(created, listed.length, 'the count shown is what the API lists for the range')
    assert.ok(created >= 1, 'a 7-day range holds each weekday once; at most a holiday is skipped')
    // The list now shows that range.
    await admin.locator(`[data-testid="admin-slot"][data-slot-id="${listed[0].id}"]`).waitFor({ state: 'visible' })
    await inputShows(box(admin, 'list-from'), from)
    await inputShows(box(admin, 'list-to'), to)
    assert.equal(await byId(admin, 'admin-slot').count(), created)
    await noSideScroll(admin)
    await saveScreenshot(admin, 'booking-manage-generated-desktop')

    // ---- resize one slot --------------------------------------------------------------------------------
    const a = listed[0]
    const rowA = admin.locator(`[data-testid="admin-slot"][data-slot-id="${a.id}"]`)
    assert.equal(await rowA.locator('[data-testid="admin-slot-count"]').innerText(), `已约 0 / ${a.capacity}`)
    await rowA.locator('[data-testid="admin-slot-capacity"] input').fill('5')
    await rowA.locator('[data-testid="admin-slot-resize"]').click()
    await rowA.locator('[data-testid="admin-slot-count"]', { hasText: '已约 0 / 5' }).waitFor({ state: 'visible' })
    listed = await adminSlots(admin, from, to)
    assert.equal(listed.find((s) => s.id === a.id).capacity, 5)

    // ---- close another (or, with one slot only, a slot added by hand) -------------------------------------
    let b = listed.find((s) => s.id !== a.id)
    if (!b) {
      await box(admin, 'new-day').fill(a.day)
      await box(admin, 'new-start').fill('16:00')
      await box(admin, 'new-end').fill('16:30')
      await box(admin, 'new-location').fill(LOCATION)
      await box(admin, 'new-capacity').fill('1')
      await byId(admin, 'new-submit').click()
      await byId(admin, 'slot-notice').waitFor({ state: 'visible' })
      b = (await adminSlots(admin, from, to)).find((s) => s.id !== a.id)
      assert.ok(b)
    }
    const rowB = admin.locator(`[data-testid="admin-slot"][data-slot-id="${b.id}"]`)
    await rowB.locator('[data-testid="admin-slot-close"]').click()
    await rowB.locator('[data-testid="admin-slot-state"]', { hasText: '已停止' }).waitFor({ state: 'visible' })
    assert.equal(await rowB.getAttribute('data-state'), 'SLOT_STATE_CLOSED')
    await rowB.locator('[data-testid="admin-slot-open"]').waitFor({ state: 'visible' })
    assert.equal((await adminSlots(admin, from, to)).find((s) => s.id === b.id).state, 'SLOT_STATE_CLOSED')
    assert.equal(await rowA.locator('[data-testid="admin-slot-state"]').innerText(), '开放')

    // ---- a student books a seat; a resize below it is refused at that slot ---------------------------------
    await login(stu.page, STUDENT, PASSWORD)
    r = await api(stu.page, 'POST', `/api/v1/services/${CODE}/slots/${a.id}:book`, {}, { 'idempotency-key': crypto.randomUUID() })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    await byId(admin, 'list-submit').click()
    await rowA.locator('[data-testid="admin-slot-count"]', { hasText: '已约 1 / 5' }).waitFor({ state: 'visible' })
    await rowA.locator('[data-testid="admin-slot-capacity"] input').fill('0')
    await rowA.locator('[data-testid="admin-slot-resize"]').click()
    const refused = rowA.locator('[data-testid="admin-slot-error"]')
    await refused.waitFor({ state: 'visible' })
    assert.match(await refused.innerText(), /名额不能少于已预约人数 1/)
    assert.equal(await rowB.locator('[data-testid="admin-slot-error"]').count(), 0)
    assert.equal(await rowA.locator('[data-testid="admin-slot-count"]').innerText(), '已约 1 / 5')
    assert.equal((await adminSlots(admin, from, to)).find((s) => s.id === a.id).capacity, 5)
    await saveScreenshot(admin, 'booking-manage-resize-refused-desktop')

    // ---- the staff page links here for a typed service code --------------------------------------------------
    await admin.goto(`${BASE}/#/pages/booking/staff`)
    await box(admin, 'manage-code').fill(CODE)
    await byId(admin, 'manage-open').click()
    await byId(admin, 'booking-manage').waitFor({ state: 'visible' })
    assert.equal(await byId(admin, 'manage-service-name').innerText(), NAME)

    for (const p of [pc, stu]) assert.deepEqual(p.pageErrors, [])
  } finally {
    await stu.close()
    await pc.close()
  }
})
