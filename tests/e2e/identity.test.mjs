// End-to-end test of 统一身份 as a freshman meets it on a phone, against a running hall
// (EHALL_E2E_BASE_URL) whose mail goes to the loopback SMTP sink (EHALL_E2E_MAIL_DIR holds its
// mail.jsonl): first login with the ID-card initial password → the forced password change
// (a common password refused at its field) → bind an email with the code from the mail → a
// second device logs in → my sessions lists both → logout → forgot password → the emailed reset
// link → a new password → the second device's session no longer works (GET /api/v1/me → 401),
// the old password is refused, the new one logs in, and the used link says so.
// The freshman is the demo account 2026040001 (migrations/demo/accounts.csv), which no other test
// uses; the test changes its password, so it needs a stack fresh from the demo data (./dev test
// starts one). Stored rows, throttling and audit are the integration tests' business.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { baseUrl, DESKTOP, openPage, PHONE, repoRoot, saveScreenshot } from './browser.mjs'

const BASE = baseUrl()
const FRESHMAN = '2026040001'
const FRESHMAN_NAME = '郑浩'
const DEMO_CSV = path.join(repoRoot, 'migrations', 'demo', 'accounts.csv')
// Two passwords of our own: neither common, nor the campus id, nor the initial one.
const CHOSEN_PASSWORD = 'Qiushi#2026a'
const RESET_PASSWORD = 'Houde@2026bZ'
const COMMON_PASSWORD = '12345678'
// Unique per run so a rerun against a kept stack fails at the login, not at a taken address.
const EMAIL = `zhenghao.e2e${Date.now().toString(36)}@qq.com`

const byId = (page, id) => page.locator(`[data-testid="${id}"]`)
// uni-app's H5 <input> is <uni-input data-testid=…><div><input>.
const box = (page, id) => page.locator(`[data-testid="${id}"] input`)

function mailDir() {
  const dir = process.env.EHALL_E2E_MAIL_DIR
  if (!dir) {
    throw new Error(
      "EHALL_E2E_MAIL_DIR is not set: point it at the SMTP sink's directory (./dev test sets it; " +
        'for ./dev up it is .var/mail)',
    )
  }
  return dir
}

// The initial password of the demo freshman: digits 12–17 of the ID-card number in the CSV.
function initialPassword() {
  const lines = fs.readFileSync(DEMO_CSV, 'utf8').split(/\r?\n/)
  const header = lines[0].split(',')
  const row = lines.find((l) => l.startsWith(FRESHMAN + ','))
  assert.ok(row, `${FRESHMAN} is not in ${DEMO_CSV}`)
  const cells = row.split(',')
  const card = cells[header.indexOf('id_card')]
  assert.match(card || '', /^\d{17}[\dX]$/, `${FRESHMAN} has no 18-digit ID card in the demo CSV`)
  assert.equal(cells[header.indexOf('password_hash')], '', `${FRESHMAN} is not a freshman (has a hash)`)
  return card.slice(11, 17)
}

function readMails() {
  const file = path.join(mailDir(), 'mail.jsonl')
  if (!fs.existsSync(file)) return []
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
}

// The first mail to `to` after the first `skip` lines that satisfies `want`, within `ms`. The
// core sends from a queue, so poll; past the deadline the error says what did arrive.
async function waitForMail(to, skip, want, ms, what) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const mails = readMails().slice(skip)
    const hit = mails.find((m) => (Array.isArray(m.to) ? m.to : [m.to]).includes(to) && want(m))
    if (hit) return hit
    await new Promise((r) => setTimeout(r, 100))
  }
  const seen = readMails().map((m) => `${m.to} "${m.subject}"`)
  throw new Error(`no ${what} arrived in ${mailDir()}/mail.jsonl; mails: ${JSON.stringify(seen)}`)
}

async function login(page, campusId, password) {
  await page.goto(BASE + '/#/pages/auth/login')
  await byId(page, 'login-form').waitFor({ state: 'visible' })
  await box(page, 'campus-id').fill(campusId)
  await box(page, 'password').fill(password)
  await byId(page, 'login-submit').click()
}

async function meStatus(page) {
  const res = await page.request.get(BASE + '/api/v1/me')
  return res.status()
}

async function noSideScroll(page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  )
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`)
}

test('phone: freshman first login → forced change → email → logout → reset by mail → old session ends', { timeout: 240000 }, async () => {
  const initial = initialPassword()
  const phone = await openPage(PHONE)
  let laptop = null
  try {
    const page = phone.page

    // The home page offers to log in.
    await page.goto(BASE + '/')
    await byId(page, 'login-link').waitFor({ state: 'visible' })
    await byId(page, 'login-link').click()
    await byId(page, 'login-form').waitFor({ state: 'visible' })
    assert.match(page.url(), /#\/pages\/auth\/login/)
    await saveScreenshot(page, 'identity-login-phone')

    // Empty password: said at the password field, nothing sent.
    await box(page, 'campus-id').fill(FRESHMAN)
    await byId(page, 'login-submit').click()
    await byId(page, 'error-password').waitFor({ state: 'visible' })
    assert.equal(await byId(page, 'field-password').locator('[data-testid="error-password"]').count(), 1)

    // First login with the ID-card digits: straight to the forced change.
    await box(page, 'password').fill(initial)
    await byId(page, 'login-submit').click()
    await byId(page, 'forced-notice').waitFor({ state: 'visible' })
    assert.match(page.url(), /#\/pages\/auth\/change-password/)
    const cookies = await phone.context.cookies(BASE)
    const first = cookies.find((c) => c.name === 'ehall_session')
    assert.ok(first && first.httpOnly, 'no HttpOnly ehall_session cookie after login')
    const csrf = cookies.find((c) => c.name === 'ehall_csrf')
    assert.ok(csrf && !csrf.httpOnly, 'no readable ehall_csrf cookie after login')
    // Until the change, the rest of the hall answers FAILED_PRECONDITION.
    const blocked = await page.request.get(BASE + '/api/v1/me/sessions')
    assert.equal(blocked.status(), 400)
    assert.equal((await blocked.json()).code, 9)
    // The rules are on the page before typing.
    const rules = await byId(page, 'password-rules').innerText()
    for (const rule of ['8', '学号', '初始密码', '常见']) assert.ok(rules.includes(rule), `rules lack "${rule}": ${rules}`)

    // A common password: the core refuses it, at the new-password field.
    await box(page, 'old-password').fill(initial)
    await box(page, 'new-password').fill(COMMON_PASSWORD)
    await box(page, 'confirm-password').fill(COMMON_PASSWORD)
    await byId(page, 'change-password-submit').click()
    const weak = byId(page, 'error-new-password')
    await weak.waitFor({ state: 'visible' })
    assert.equal(await byId(page, 'field-new-password').locator('[data-testid="error-new-password"]').count(), 1)
    assert.match(await weak.innerText(), /常见|简单/)
    await saveScreenshot(page, 'identity-change-password-error-phone')

    await box(page, 'new-password').fill(CHOSEN_PASSWORD)
    await box(page, 'confirm-password').fill(CHOSEN_PASSWORD)
    await byId(page, 'change-password-submit').click()

    // No email yet: led on to binding one.
    await byId(page, 'bind-email-form').waitFor({ state: 'visible' })
    assert.match(page.url(), /#\/pages\/auth\/bind-email/)
    const second = (await phone.context.cookies(BASE)).find((c) => c.name === 'ehall_session')
    assert.ok(second && second.value !== first.value, 'the password change did not issue a new session')
    // The session of the first login ended with the change.
    const stale = await fetch(BASE + '/api/v1/me', { headers: { cookie: `ehall_session=${first.value}` } })
    assert.equal(stale.status, 401, 'the session from before the password change still works')

    const mailsBefore = readMails().length
    await box(page, 'email').fill(EMAIL)
    await byId(page, 'send-code').click()
    await byId(page, 'code-sent').waitFor({ state: 'visible' })
    // The button counts down from 60 and cannot be pressed meanwhile.
    const countdown = Number(await byId(page, 'send-code').getAttribute('data-countdown'))
    assert.ok(countdown > 0 && countdown <= 60, `countdown shows ${countdown}`)
    assert.match(await byId(page, 'send-code').innerText(), /秒后重发/)
    const codeMail = await waitForMail(
      EMAIL, mailsBefore, (m) => Array.isArray(m.codes) && m.codes.length > 0, 60000, 'code mail')
    const code = codeMail.codes[0]
    assert.match(code, /^\d{6}$/)

    // A wrong code first: the error is at the code field.
    const wrong = code === '000000' ? '111111' : '000000'
    await box(page, 'code').fill(wrong)
    await byId(page, 'bind-email-submit').click()
    await byId(page, 'error-code').waitFor({ state: 'visible' })
    assert.equal(await byId(page, 'field-code').locator('[data-testid="error-code"]').count(), 1)

    await box(page, 'code').fill(code)
    await byId(page, 'bind-email-submit').click()
    await byId(page, 'bind-email-done').waitFor({ state: 'visible' })
    assert.equal((await byId(page, 'bound-email').innerText()).trim(), EMAIL)
    await saveScreenshot(page, 'identity-email-bound-phone')

    // Home shows who is logged in.
    await byId(page, 'bind-email-continue').click()
    await byId(page, 'user-name').waitFor({ state: 'visible' })
    assert.equal((await byId(page, 'user-name').innerText()).trim(), FRESHMAN_NAME)
    assert.equal(await byId(page, 'login-link').count(), 0)

    // A second device (a laptop) logs in with the chosen password: the session that must end
    // when the password is reset.
    laptop = await openPage(DESKTOP)
    await login(laptop.page, FRESHMAN, CHOSEN_PASSWORD)
    await byId(laptop.page, 'user-name').waitFor({ state: 'visible' })
    assert.equal(await meStatus(laptop.page), 200)

    // My sessions on the phone: both, this one tagged current.
    await byId(page, 'user').click()
    await byId(page, 'me-card').waitFor({ state: 'visible' })
    assert.equal((await byId(page, 'me-campus-id').innerText()).trim(), FRESHMAN)
    assert.equal((await byId(page, 'me-email').innerText()).trim(), EMAIL)
    await noSideScroll(page)
    await saveScreenshot(page, 'identity-me-phone')
    await byId(page, 'me-sessions').click()
    await byId(page, 'session').first().waitFor({ state: 'visible' })
    const rows = byId(page, 'session')
    assert.equal(await rows.count(), 2)
    const current = await page.locator('[data-testid="session"][data-current="true"]').count()
    assert.equal(current, 1, 'not exactly one session tagged current')
    assert.match(await page.locator('[data-testid="session"][data-current="true"]').innerText(), /当前/)
    assert.equal(await page.locator('[data-testid="session"][data-current="false"] [data-testid="session-end"]').count(), 1)
    assert.match(await rows.first().innerText(), /IP /)
    await saveScreenshot(page, 'identity-sessions-phone')

    // Logout on the phone ends the phone's session only.
    await page.goto(BASE + '/#/pages/me/me')
    await byId(page, 'logout').waitFor({ state: 'visible' })
    await byId(page, 'logout').click()
    await byId(page, 'login-form').waitFor({ state: 'visible' })
    assert.equal(await meStatus(page), 401)
    assert.equal(await meStatus(laptop.page), 200, 'logout on one device ended the other')

    // Forgot password, by campus id: the neutral answer, the same as for nobody at all.
    await byId(page, 'forgot-link').click()
    await byId(page, 'forgot-form').waitFor({ state: 'visible' })
    const resetMailsBefore = readMails().length
    await box(page, 'login').fill(FRESHMAN)
    await byId(page, 'forgot-submit').click()
    await byId(page, 'forgot-done').waitFor({ state: 'visible' })
    const neutral = (await byId(page, 'forgot-message').innerText()).trim()
    const nobody = await page.request.post(BASE + '/api/v1/auth/password-reset', { data: { login: 'nobody-e2e-000' } })
    assert.equal(nobody.status(), 200)
    assert.equal((await nobody.json()).message, neutral, 'the answer differs for an unknown account')
    await saveScreenshot(page, 'identity-forgot-phone')

    const resetMail = await waitForMail(
      EMAIL, resetMailsBefore,
      (m) => (m.links || []).some((l) => l.includes('pages/auth/reset?token=')), 60000, 'reset mail')
    const link = resetMail.links.find((l) => l.includes('pages/auth/reset?token='))
    assert.ok(link.startsWith(BASE + '/'), `the reset link ${link.replace(/token=.*/, 'token=…')} is not on ${BASE}`)

    // The link opens the reset form for this account.
    await page.goto(link)
    await byId(page, 'reset-form').waitFor({ state: 'visible' })
    await box(page, 'new-password').fill(RESET_PASSWORD)
    await box(page, 'confirm-password').fill(RESET_PASSWORD + 'x')
    await byId(page, 'reset-submit').click()
    await byId(page, 'error-confirm-password').waitFor({ state: 'visible' })
    await box(page, 'confirm-password').fill(RESET_PASSWORD)
    await byId(page, 'reset-submit').click()
    await byId(page, 'reset-done').waitFor({ state: 'visible' })
    await saveScreenshot(page, 'identity-reset-done-phone')

    // The laptop's session, opened before the reset, no longer works: the API says 401 and
    // the page sends it to the login page.
    assert.equal(await meStatus(laptop.page), 401, 'a session from before the reset still works')
    await laptop.page.goto(BASE + '/#/pages/me/me')
    await byId(laptop.page, 'login-form').waitFor({ state: 'visible' })
    assert.match(laptop.page.url(), /#\/pages\/auth\/login\?redirect=/)

    // The password before the reset is refused, with the message above the button.
    await login(page, FRESHMAN, CHOSEN_PASSWORD)
    await byId(page, 'form-error').waitFor({ state: 'visible' })
    assert.match(await byId(page, 'form-error').innerText(), /密码/)
    // The new one logs in, with no forced change this time.
    await box(page, 'password').fill(RESET_PASSWORD)
    await byId(page, 'login-submit').click()
    await byId(page, 'user-name').waitFor({ state: 'visible' })
    assert.equal((await byId(page, 'user-name').innerText()).trim(), FRESHMAN_NAME)
    assert.equal(await meStatus(page), 200)

    // The laptop logs in again with the new password and is taken back to where it was.
    await box(laptop.page, 'campus-id').fill(FRESHMAN)
    await box(laptop.page, 'password').fill(RESET_PASSWORD)
    await byId(laptop.page, 'login-submit').click()
    await byId(laptop.page, 'me-card').waitFor({ state: 'visible' })
    assert.match(laptop.page.url(), /#\/pages\/me\/me/)
    await saveScreenshot(laptop.page, 'identity-me-desktop')

    // The link works once: opened again it gets the clear "already used" page.
    await page.goto(link)
    await byId(page, 'reset-bad').waitFor({ state: 'visible' })
    assert.equal(await byId(page, 'reset-bad').getAttribute('data-reason'), 'used')
    await byId(page, 'reset-ask-again').waitFor({ state: 'visible' })
    await saveScreenshot(page, 'identity-reset-used-phone')

    assert.deepEqual(phone.pageErrors.map(String), [])
    assert.deepEqual(laptop.pageErrors.map(String), [])
  } finally {
    if (laptop) await laptop.close()
    await phone.close()
  }
})

test('phone: a made-up reset link gets the clear invalid page with a way to ask again', { timeout: 90000 }, async () => {
  const { page, pageErrors, close } = await openPage(PHONE)
  try {
    await page.goto(BASE + '/#/pages/auth/reset?token=not-a-real-token')
    await byId(page, 'reset-bad').waitFor({ state: 'visible' })
    assert.equal(await byId(page, 'reset-bad').getAttribute('data-reason'), 'invalid')
    assert.match(await byId(page, 'reset-bad-title').innerText(), /链接无效/)
    await byId(page, 'reset-ask-again').click()
    await byId(page, 'forgot-form').waitFor({ state: 'visible' })

    // No token at all: the same page, without asking the server.
    await page.goto(BASE + '/#/pages/auth/reset')
    await byId(page, 'reset-bad').waitFor({ state: 'visible' })
    assert.equal(await byId(page, 'reset-bad').getAttribute('data-reason'), 'invalid')
    assert.deepEqual(pageErrors.map(String), [])
  } finally {
    await close()
  }
})

test('phone: the account pages send a visitor who is not logged in to the login page and back', { timeout: 90000 }, async () => {
  const { page, close } = await openPage(PHONE)
  try {
    for (const p of ['/pages/me/me', '/pages/me/sessions']) {
      await page.goto(`${BASE}/#${p}`)
      await byId(page, 'login-form').waitFor({ state: 'visible' })
      // The page encodes its own path once and uni-app's router the whole value again.
      const url = new URL(page.url().replace('#/', ''))
      assert.equal(decodeURIComponent(url.searchParams.get('redirect') || ''), p)
    }
  } finally {
    await close()
  }
})
