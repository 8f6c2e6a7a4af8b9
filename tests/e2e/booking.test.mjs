// End-to-end test of 预约办理 as its people meet it, against a running hall (EHALL_E2E_BASE_URL)
// whose database the test can reach (EHALL_TEST_PG_DSN): a 教务处 (JWC) department admin has a
// bookable service with one slot tomorrow of one seat (made through the API, as the admin pages
// would); two students on phones press 预约 at the same moment: exactly one gets the seat and
// its check-in code, the other is told 已约满 on the slot and joins the waitlist; the winner
// cancels in 我的预约 and the seat passes to the loser (来自候补); the admin, on a PC, finds
// the loser's booking among tomorrow's and is told a code of tomorrow cannot be checked in today.
// Independent and re-runnable: accounts, the service and its slot are the run's own.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { baseUrl, DESKTOP, openPage, PHONE, saveScreenshot } from './browser.mjs'
import { api, box, byId, createAccount, login, noSideScroll } from './accounts.mjs'

const BASE = baseUrl()
const PASSWORD = 'Booking-e2e#2026'
const RUN = Date.now().toString(36) + crypto.randomBytes(2).toString('hex')
const ADMIN = { campusId: `e2b${RUN}a`, name: `教务预约${RUN.slice(-4)}` }
const ALICE = { campusId: `e2b${RUN}1`, name: `预约甲${RUN.slice(-4)}` }
const BOB = { campusId: `e2b${RUN}2`, name: `预约乙${RUN.slice(-4)}` }
const CODE = `e2e-bk-${RUN}`
const NAME = `预约测试${RUN.slice(-4)}`
const LOCATION = `行政楼 1${RUN.slice(-2)} 室`

async function myBookings(page, past = false) {
  const r = await api(page, 'GET', `/api/v1/me/bookings${past ? '?includePast=true' : ''}`)
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return { bookings: r.json.bookings || [], waitlist: r.json.waitlist || [] }
}

// The day after day ("2026-12-01"), by the calendar.
function nextDay(day) {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
}

// Clicks the primary button of uni-app's H5 modal (uni.showModal).
async function confirmModal(page) {
  const ok = page.locator('.uni-modal .uni-modal__btn_primary')
  await ok.waitFor({ state: 'visible' })
  await ok.click()
}

const slotRow = (page, id) => page.locator(`[data-testid="slot"][data-slot-id="${id}"]`)

test('booking: two students race for the last seat on phones → loser waits → winner cancels → loser gets it → admin sees it', { timeout: 240000 }, async () => {
  createAccount(ADMIN, 2, 'JWC', ['staff', 'dept_admin@JWC'], PASSWORD)
  createAccount(ALICE, 1, 'CS-2023-1', ['student'], PASSWORD)
  createAccount(BOB, 1, 'CS-2023-1', ['student'], PASSWORD)

  const pc = await openPage(DESKTOP)
  const phoneA = await openPage(PHONE)
  const phoneB = await openPage(PHONE)
  try {
    // ---- set-up: a published booking service of JWC, one seat tomorrow ------------------------
    const admin = pc.page
    await login(admin, ADMIN, PASSWORD)
    let r = await api(admin, 'POST', '/api/v1/admin/catalog/services', {
      code: CODE,
      ownerUnit: 'JWC',
      guide: {
        name: NAME,
        nameEn: `E2E booking ${RUN}`,
        categories: ['certificates'],
        audience: 'AUDIENCE_EVERYONE',
        summary: '现场办理，请先预约。',
        steps: ['网上预约', '按时到场', '出示签到码'],
        mode: 'HANDLING_MODE_BOOKING',
      },
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(admin, 'POST', `/api/v1/admin/catalog/services/${CODE}:publish`, { version: 1 })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    // The hall's today (its time zone, not this machine's), as the staff page asks for it.
    r = await api(admin, 'GET', '/api/v1/admin/bookings')
    assert.equal(r.status, 200, JSON.stringify(r.json))
    const tomorrow = nextDay(r.json.day)
    r = await api(admin, 'POST', `/api/v1/admin/services/${CODE}/slots`, {
      day: tomorrow,
      startTime: '10:00',
      endTime: '10:30',
      location: LOCATION,
      capacity: 1,
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    const slotId = r.json.id
    assert.match(slotId, /^[0-9]+$/)

    // ---- both students open the service's guide and its slots on their phones -------------------
    const a = phoneA.page
    const b = phoneB.page
    await Promise.all([login(a, ALICE, PASSWORD), login(b, BOB, PASSWORD)])
    await a.goto(`${BASE}/#/pages/catalog/service?code=${CODE}`)
    await byId(a, 'book-service').click()
    await b.goto(`${BASE}/#/pages/booking/slots?code=${CODE}`)
    for (const p of [a, b]) {
      await slotRow(p, slotId).locator('[data-testid="slot-book"]').waitFor({ state: 'visible' })
      assert.equal(await byId(p, 'booking-service-name').innerText(), NAME)
      assert.match(await byId(p, 'booking-rules').innerText(), /每人限约 1 个 · .*开始前 30 分钟截止/)
      const dayHeader = p.locator(`[data-testid="slot-day"][data-day="${tomorrow}"]`)
      assert.match(await dayHeader.innerText(), /周[一二三四五六日]/)
      const row = slotRow(p, slotId)
      assert.equal(await row.locator('[data-testid="slot-time"]').innerText(), '10:00-10:30')
      assert.equal(await row.locator('[data-testid="slot-location"]').innerText(), LOCATION)
      assert.match(await row.locator('[data-testid="slot-remaining"]').innerText(), /余 1 \/ 共 1/)
      await noSideScroll(p)
    }
    await saveScreenshot(a, 'booking-slots-phone')

    // ---- the race: both press 预约 at once ----------------------------------------------------------
    await Promise.all([a, b].map((p) => slotRow(p, slotId).locator('[data-testid="slot-book"]').click()))
    const outcome = async (p) => {
      const done = p.locator(
        `[data-testid="book-success"], [data-testid="slot"][data-slot-id="${slotId}"] [data-testid="slot-full"]`,
      )
      await done.first().waitFor({ state: 'visible' })
      return (await byId(p, 'book-success').count()) > 0 ? 'won' : 'lost'
    }
    const [oa, ob] = await Promise.all([outcome(a), outcome(b)])
    assert.deepEqual([oa, ob].sort(), ['lost', 'won'], `outcomes: Alice ${oa}, Bob ${ob}`)
    const [winner, loser] = oa === 'won' ? [a, b] : [b, a]
    const [winnerWho, loserWho] = oa === 'won' ? [ALICE, BOB] : [BOB, ALICE]

    const code = await byId(winner, 'checkin-code').innerText()
    assert.match(code, /^[0-9]{8}$/)
    await slotRow(winner, slotId).locator('[data-testid="slot-mine"]').waitFor({ state: 'visible' })
    await saveScreenshot(winner, 'booking-success-phone')

    const lost = slotRow(loser, slotId)
    assert.equal(await lost.locator('[data-testid="slot-full"]').innerText(), '已约满')
    assert.equal(await byId(loser, 'book-success').count(), 0)
    const joinBtn = lost.locator('[data-testid="slot-waitlist"]')
    await joinBtn.waitFor({ state: 'visible' })
    assert.equal(await joinBtn.innerText(), '加入候补')
    await saveScreenshot(loser, 'booking-sold-out-phone')

    // The server agrees: one booking, the winner's, with the code shown.
    let w = await myBookings(winner)
    let l = await myBookings(loser)
    assert.equal(w.bookings.length, 1)
    assert.equal(w.bookings[0].checkinCode, code)
    assert.equal(w.bookings[0].state, 'BOOKING_STATE_BOOKED')
    assert.equal(w.bookings[0].slot.id, slotId)
    assert.equal(l.bookings.length, 0)

    // ---- the loser joins the waitlist ---------------------------------------------------------------
    await joinBtn.click()
    await lost.locator('[data-testid="slot-waiting"]').waitFor({ state: 'visible' })
    assert.equal(await lost.locator('[data-testid="slot-waiting"]').innerText(), '候补第 1 位')
    l = await myBookings(loser)
    assert.equal(l.waitlist.length, 1)
    assert.equal(l.waitlist[0].position, 1)
    assert.equal(l.waitlist[0].slot.id, slotId)

    // ---- the winner cancels in 我的预约 ------------------------------------------------------------
    await byId(winner, 'open-my-bookings').click()
    const mine = winner.locator(`[data-testid="my-booking"][data-slot-id="${slotId}"]`)
    await mine.waitFor({ state: 'visible' })
    assert.equal(await mine.locator('[data-testid="booking-code"]').innerText(), code)
    assert.equal(await mine.locator('[data-testid="booking-state"]').innerText(), '已预约')
    assert.equal(await mine.locator('[data-testid="from-waitlist"]').count(), 0)
    // 加入日历 is a plain link to the .ics file, served on the session cookie.
    const href = await mine.locator('[data-testid="add-calendar"]').getAttribute('href')
    assert.equal(href, `/api/v1/me/bookings/${w.bookings[0].id}/calendar.ics`)
    const ics = await winner.request.get(BASE + href)
    assert.equal(ics.status(), 200)
    assert.match(ics.headers()['content-type'], /^text\/calendar/)
    assert.match(await ics.text(), /BEGIN:VEVENT/)
    await noSideScroll(winner)
    await saveScreenshot(winner, 'booking-mine-phone')
    await mine.locator('[data-testid="cancel-booking"]').click()
    await confirmModal(winner)
    await byId(winner, 'mine-notice').waitFor({ state: 'visible' })
    await mine.waitFor({ state: 'detached' })
    // Shown again with the ended ones, as cancelled.
    await byId(winner, 'toggle-past').click()
    const past = winner.locator(`[data-testid="my-booking"][data-slot-id="${slotId}"]`)
    await past.waitFor({ state: 'visible' })
    assert.equal(await past.getAttribute('data-state'), 'BOOKING_STATE_CANCELLED')
    assert.equal(await past.locator('[data-testid="cancel-booking"]').count(), 0)

    // ---- the seat went to the loser, from the waitlist ------------------------------------------------
    await loser.goto(`${BASE}/#/pages/booking/mine`)
    await loser.reload()
    const got = loser.locator(`[data-testid="my-booking"][data-slot-id="${slotId}"]`)
    await got.waitFor({ state: 'visible' })
    assert.equal(await got.locator('[data-testid="from-waitlist"]').innerText(), '来自候补')
    assert.equal(await got.locator('[data-testid="booking-state"]').innerText(), '已预约')
    const loserCode = await got.locator('[data-testid="booking-code"]').innerText()
    assert.match(loserCode, /^[0-9]{8}$/)
    assert.equal(await byId(loser, 'my-waitlist-entry').count(), 0)
    await saveScreenshot(loser, 'booking-from-waitlist-phone')

    w = await myBookings(winner)
    l = await myBookings(loser)
    assert.equal(w.bookings.length, 0)
    assert.deepEqual((await myBookings(winner, true)).bookings.map((x) => x.state), ['BOOKING_STATE_CANCELLED'])
    assert.equal(l.bookings.length, 1)
    assert.equal(l.bookings[0].fromWaitlist, true)
    assert.equal(l.bookings[0].slot.id, slotId)
    assert.equal(l.bookings[0].checkinCode, loserCode)
    assert.equal(l.waitlist.length, 0)

    // ---- the admin, on a PC, finds it among tomorrow's bookings ----------------------------------------
    await admin.goto(`${BASE}/#/pages/index/index`)
    await byId(admin, 'booking-staff-link').click()
    await byId(admin, 'checkin-count').waitFor({ state: 'visible' })
    await byId(admin, 'day-next').click()
    await admin.locator(`[data-testid="day-current"][data-day="${tomorrow}"]`).waitFor({ state: 'visible' })
    const row = admin.locator(`[data-testid="day-booking"][data-campus-id="${loserWho.campusId}"]`)
    await row.waitFor({ state: 'visible' })
    assert.equal(await row.locator('[data-testid="day-booking-person"]').innerText(), `${loserWho.name}（${loserWho.campusId}）`)
    assert.equal(await row.locator('[data-testid="day-booking-state"]').innerText(), '已预约')
    assert.match(await row.innerText(), new RegExp(`10:00-10:30[\\s\\S]*${LOCATION}[\\s\\S]*${NAME}`))
    assert.equal(await admin.locator(`[data-testid="day-booking"][data-campus-id="${winnerWho.campusId}"]`).count(), 0)
    const listed = await byId(admin, 'day-booking').count()
    assert.match(await byId(admin, 'checkin-count').innerText(), new RegExp(`^已签到 0 / ${listed}$`))
    await noSideScroll(admin)
    await saveScreenshot(admin, 'booking-staff-desktop')
    // A code is kept as typed (a leading zero too): the server, not the page, says it is unknown.
    await box(admin, 'checkin-input').fill('01234567')
    await byId(admin, 'checkin-submit').click()
    await byId(admin, 'checkin-error').waitFor({ state: 'visible' })
    assert.match(await byId(admin, 'checkin-error').innerText(), /签到码无效/)
    // Check-in is for today's bookings only: the server's reason shows next to the box.
    await box(admin, 'checkin-input').fill(loserCode)
    await byId(admin, 'checkin-submit').click()
    await admin.locator('[data-testid="checkin-error"]', { hasText: '不是今天' }).waitFor({ state: 'visible' })
    assert.equal(await byId(admin, 'checkin-result').count(), 0)

    for (const p of [pc, phoneA, phoneB]) assert.deepEqual(p.pageErrors, [])
  } finally {
    await phoneB.close()
    await phoneA.close()
    await pc.close()
  }
})
