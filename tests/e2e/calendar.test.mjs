// End-to-end test of 节假日与调休 (pages/booking/calendar), the hall's calendar, against a running
// hall (EHALL_E2E_BASE_URL) whose database the test can reach (EHALL_TEST_PG_DSN): a hall admin on
// a PC opens it from 我的账号 (the current month first: every day 工作日 or 休息日 as the API's
// calendar makes it), goes to the next month and on to the month ten months ahead (so no other
// test's days are touched); a name too long and a day that does not exist are refused at their
// fields and nothing is saved; a weekday becomes the holiday 校庆日 (休息日) and a Saturday a
// make-up workday (工作日), both as the API lists them (the holiday closes a slot nobody booked
// that day, and the page says so); a department admin on a phone reads the
// month but is refused when saving or removing, and nothing changes; the hall admin removes both
// days and they are ordinary again. Independent of today's date and re-runnable: the accounts are
// the run's own, the days are picked among those not in the calendar, and what was made is removed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { baseUrl, DESKTOP, PHONE, openPage, saveScreenshot } from './browser.mjs'
import { api, box, byId, confirmModal, createAccount, inputShows, login, noSideScroll } from './accounts.mjs'

const BASE = baseUrl()
const PASSWORD = 'Calendar-e2e#2026'
const RUN = Date.now().toString(36) + crypto.randomBytes(2).toString('hex')
// The demo's hall admin is 20080001 (罗军); the run's own account with the same roles leaves
// the demo account's password alone on a stack others use.
const HALL = { campusId: `e2k${RUN}h`, name: `大厅日历${RUN.slice(-4)}` }
const DEPT = { campusId: `e2k${RUN}d`, name: `教务日历${RUN.slice(-4)}` }
const MONTHS_AHEAD = 10

// ---- days, by the calendar (never this machine's clock) ----------------------------------------

function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}
function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number)
  const k = y * 12 + (m - 1) + n
  return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`
}
// 1 Monday … 7 Sunday.
function isoWeekday(day) {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay() || 7
}
function daysOfMonth(ym) {
  const out = []
  for (let d = `${ym}-01`; d.startsWith(ym); d = addDays(d, 1)) out.push(d)
  return out
}

// The calendar's entries of a month as the API lists them: { day: { workday, name } }.
async function listed(page, ym) {
  const days = daysOfMonth(ym)
  const r = await api(page, 'GET', `/api/v1/admin/calendar?fromDay=${days[0]}&toDay=${days[days.length - 1]}`)
  assert.equal(r.status, 200, JSON.stringify(r.json))
  const out = {}
  for (const h of r.json.days || []) out[h.day] = { workday: h.workday === true, name: h.name || '' }
  return out
}

// Every day of the month the page shows, as { day: 'true' | 'false' } of data-workday.
async function shownWorkdays(page) {
  return page.locator('[data-testid="cal-day"]').evaluateAll((els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-day'), e.getAttribute('data-workday')])),
  )
}

// What the page must show for a month: a listed day as the calendar says, any other Mon–Fri.
function expectedWorkdays(ym, entries) {
  return Object.fromEntries(
    daysOfMonth(ym).map((d) => [d, String(d in entries ? entries[d].workday : isoWeekday(d) <= 5)]),
  )
}

const cell = (page, day) => page.locator(`[data-testid="cal-day"][data-day="${day}"]`)
const entry = (page, day) => page.locator(`[data-testid="entry"][data-day="${day}"]`)

async function monthShown(page, ym) {
  await page.locator(`[data-testid="month-current"][data-month="${ym}"]`).waitFor({ state: 'visible' })
  await cell(page, `${ym}-01`).waitFor({ state: 'visible' })
}

async function goForward(page, from, n) {
  for (let i = 1; i <= n; i++) {
    await byId(page, 'month-next').click()
    await monthShown(page, addMonths(from, i))
  }
}

// Waits until a day's cell says workday (and the text it must hold).
async function cellIs(page, day, workday, text) {
  const c = page.locator(`[data-testid="cal-day"][data-day="${day}"][data-workday="${workday}"]`)
  await c.waitFor({ state: 'visible' })
  const t = await c.innerText()
  assert.match(t, workday ? /工作日/ : /休息日/)
  if (text) assert.match(t, new RegExp(text))
  return t
}

test('hall calendar: month view, field errors, a holiday and a make-up workday, refusal for a department admin, removal', { timeout: 240000 }, async () => {
  createAccount(HALL, 2, 'NIC', ['staff', 'hall_admin'], PASSWORD)
  createAccount(DEPT, 2, 'JWC', ['staff', 'dept_admin@JWC'], PASSWORD)

  const pc = await openPage(DESKTOP)
  const phone = await openPage(PHONE)
  const admin = pc.page
  const dept = phone.page
  let made = [] // days this run may have put in the calendar, removed at the end
  try {
    await login(admin, HALL, PASSWORD)
    // The hall's today (its time zone), and a month far enough ahead that no other test books there.
    let r = await api(admin, 'GET', '/api/v1/admin/bookings')
    assert.equal(r.status, 200, JSON.stringify(r.json))
    const thisMonth = r.json.day.slice(0, 7)
    const target = addMonths(thisMonth, MONTHS_AHEAD)
    const before = await listed(admin, target)
    const free = daysOfMonth(target).filter((d) => !(d in before))
    const holiday = free.find((d) => isoWeekday(d) === 3) // a Wednesday
    const saturday = free.find((d) => isoWeekday(d) === 6)
    const other = free.find((d) => isoWeekday(d) === 2) // a Tuesday, for the refused department admin
    assert.ok(holiday && saturday && other, `free days in ${target}: ${free.join(' ')}`)
    made = [holiday, saturday, other]

    // ---- 我的账号 links hall admins here; the current month first ------------------------------------------
    await admin.goto(`${BASE}/#/pages/me/me`)
    await byId(admin, 'me-calendar').click()
    await byId(admin, 'calendar-page').waitFor({ state: 'visible' })
    assert.match(admin.url(), /pages\/booking\/calendar$/)
    await monthShown(admin, thisMonth)
    assert.deepEqual(await shownWorkdays(admin), expectedWorkdays(thisMonth, await listed(admin, thisMonth)))
    await noSideScroll(admin)

    // ---- next month, then on to the target month -------------------------------------------------------------
    await goForward(admin, thisMonth, 1)
    const next = addMonths(thisMonth, 1)
    assert.deepEqual(await shownWorkdays(admin), expectedWorkdays(next, await listed(admin, next)))
    await goForward(admin, next, MONTHS_AHEAD - 1)
    assert.deepEqual(await shownWorkdays(admin), expectedWorkdays(target, before))
    await cellIs(admin, holiday, true)
    await cellIs(admin, saturday, false)
    assert.match(await cell(admin, holiday).innerText(), /周三/)
    assert.match(await cell(admin, saturday).innerText(), /周六/)

    // ---- a name too long: refused at the name, nothing saved -------------------------------------------------
    await box(admin, 'form-day').fill(holiday)
    await byId(admin, 'form-kind-holiday').click()
    await box(admin, 'form-name').fill('校'.repeat(33))
    await byId(admin, 'form-save').click()
    const nameError = byId(admin, 'error-form-name')
    await nameError.waitFor({ state: 'visible' })
    assert.match(await nameError.innerText(), /名称最多 32 个字/)
    assert.equal(await byId(admin, 'error-form-day').count(), 0)
    assert.match(await byId(admin, 'form-error').innerText(), /未保存/)
    assert.equal(await byId(admin, 'page-error').count(), 0)
    assert.deepEqual(await listed(admin, target), before, 'nothing saved with a name too long')
    await cellIs(admin, holiday, true)

    // ---- a day that does not exist: refused at the day ----------------------------------------------------------
    const feb30 = `${target.slice(0, 4)}-02-30`
    await box(admin, 'form-day').fill(feb30)
    await box(admin, 'form-name').fill('校庆日')
    await byId(admin, 'form-save').click()
    const dayError = byId(admin, 'error-form-day')
    await dayError.waitFor({ state: 'visible' })
    assert.match(await dayError.innerText(), /日期格式应为 YYYY-MM-DD/)
    assert.equal(await byId(admin, 'error-form-name').count(), 0)
    assert.match(await byId(admin, 'form-error').innerText(), /未保存/)
    assert.deepEqual(await listed(admin, target), before)
    await saveScreenshot(admin, 'calendar-day-error-desktop')

    // ---- the weekday becomes the holiday 校庆日; a slot nobody booked that day is closed --------------------
    // (a time of its own each run: a slot made by an earlier run on the same day stays, closed)
    const minute = crypto.randomInt(0, 600)
    const hhmm = (m) => `${String(8 + Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
    r = await api(admin, 'POST', '/api/v1/admin/services/counselling-appointment/slots', {
      day: holiday, startTime: hhmm(minute), endTime: hhmm(minute + 30), location: '校历测试', capacity: 1,
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    const slotId = r.json.id
    await box(admin, 'form-day').fill(holiday)
    await byId(admin, 'form-save').click()
    await cellIs(admin, holiday, false, '校庆日')
    await byId(admin, 'form-notice').waitFor({ state: 'visible' })
    assert.match(await byId(admin, 'form-notice').innerText(), /当天 1 个无人预约的时段已关闭/)
    r = await api(admin, 'GET', `/api/v1/admin/services/counselling-appointment/slots?fromDay=${holiday}&toDay=${holiday}`)
    assert.equal(r.status, 200, JSON.stringify(r.json))
    assert.equal((r.json.slots || []).find((s) => s.id === slotId)?.state, 'SLOT_STATE_CLOSED')
    assert.equal(await byId(admin, 'error-form-day').count(), 0)
    assert.equal(await byId(admin, 'form-error').count(), 0)
    assert.match(await entry(admin, holiday).innerText(), /节假日[\s\S]*校庆日/)
    let now = await listed(admin, target)
    assert.deepEqual(now[holiday], { workday: false, name: '校庆日' })

    // ---- a Saturday picked on the grid becomes a make-up workday ----------------------------------------------
    await cell(admin, saturday).click()
    await inputShows(box(admin, 'form-day'), saturday)
    assert.equal(await byId(admin, 'form-kind').getAttribute('data-value'), 'workday', 'a weekend day offers 调休上班')
    await inputShows(box(admin, 'form-name'), '')
    await box(admin, 'form-name').fill('校庆调休')
    await byId(admin, 'form-save').click()
    await cellIs(admin, saturday, true, '校庆调休')
    assert.match(await entry(admin, saturday).innerText(), /调休上班[\s\S]*校庆调休/)
    now = await listed(admin, target)
    assert.deepEqual(now[saturday], { workday: true, name: '校庆调休' })
    assert.deepEqual(await shownWorkdays(admin), expectedWorkdays(target, now))
    assert.equal(await byId(admin, 'entry').count(), Object.keys(now).length)
    await noSideScroll(admin)
    await saveScreenshot(admin, 'calendar-saved-desktop')

    // ---- a department admin (phone) reads the month, but may not change it ---------------------------------------
    await login(dept, DEPT, PASSWORD)
    await dept.goto(`${BASE}/#/pages/me/me`)
    await byId(dept, 'me-card').waitFor({ state: 'visible' })
    assert.equal(await byId(dept, 'me-calendar').count(), 0, 'only hall admins are offered the calendar')
    await dept.goto(`${BASE}/#/pages/booking/calendar`)
    await monthShown(dept, thisMonth)
    await goForward(dept, thisMonth, MONTHS_AHEAD)
    await cellIs(dept, holiday, false, '校庆日')
    await cellIs(dept, saturday, true, '校庆调休')
    await noSideScroll(dept)
    await box(dept, 'form-day').fill(other)
    await byId(dept, 'form-kind-holiday').click()
    await box(dept, 'form-name').fill('部门假日')
    await byId(dept, 'form-save').click()
    const refused = byId(dept, 'page-error')
    await refused.waitFor({ state: 'visible' })
    assert.match(await refused.innerText(), /只有大厅管理员可以维护节假日/)
    assert.equal(await byId(dept, 'form-error').count(), 0)
    await entry(dept, holiday).locator('[data-testid="entry-remove"]').click()
    assert.match(await confirmModal(dept), /校庆日/)
    await byId(dept, 'page-error').waitFor({ state: 'visible' })
    assert.match(await byId(dept, 'page-error').innerText(), /只有大厅管理员可以维护节假日/)
    assert.deepEqual(await listed(admin, target), now, 'the refused changes saved nothing')
    await cellIs(dept, other, true)
    await cellIs(dept, holiday, false, '校庆日')
    await saveScreenshot(dept, 'calendar-refused-phone')

    // ---- the hall admin removes both: ordinary days again -------------------------------------------------------
    await entry(admin, holiday).locator('[data-testid="entry-remove"]').click()
    assert.match(await confirmModal(admin), /校庆日/)
    await cellIs(admin, holiday, true)
    assert.equal(await cell(admin, holiday).locator('[data-testid="cal-day-name"]').count(), 0)
    assert.equal(await entry(admin, holiday).count(), 0)
    await entry(admin, saturday).locator('[data-testid="entry-remove"]').click()
    assert.match(await confirmModal(admin), /校庆调休/)
    await cellIs(admin, saturday, false)
    assert.equal(await entry(admin, saturday).count(), 0)
    now = await listed(admin, target)
    assert.deepEqual(now, before, 'the API no longer lists either day')
    assert.deepEqual(await shownWorkdays(admin), expectedWorkdays(target, before))

    // ---- 预约时段管理 links here (a hall admin may open any service's page) ---------------------------------------
    await admin.goto(`${BASE}/#/pages/booking/manage?code=campus-card`)
    await byId(admin, 'open-calendar').click()
    await byId(admin, 'calendar-page').waitFor({ state: 'visible' })
    await monthShown(admin, thisMonth)

    for (const p of [pc, phone]) assert.deepEqual(p.pageErrors, [])
  } finally {
    // Whatever a failed run left behind in the calendar goes; a day listed before the run stays.
    for (const d of made) await api(admin, 'PUT', `/api/v1/admin/calendar/${d}`, { remove: true }).catch(() => {})
    await phone.close()
    await pc.close()
  }
})
