// What the end-to-end tests share beyond the browser (browser.mjs): selectors by data-testid,
// the test database (EHALL_TEST_PG_DSN, from ./dev test or $EHALL_VAR_DIR/test.env) reached
// through psql with variables (never spliced into SQL), accounts of the run's own with a
// password that need not be changed, demo accounts made usable the same way, logging in through
// the login page, uni-app's confirmation dialog, and a layout check.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { baseUrl } from './browser.mjs'

export const byId = (page, id) => page.locator(`[data-testid="${id}"]`)
// uni-app's H5 <input> is <uni-input data-testid=…><div><input>.
export const box = (page, id) => page.locator(`[data-testid="${id}"] input`)

export function pgDsn() {
  const dsn = process.env.EHALL_TEST_PG_DSN
  if (!dsn) {
    throw new Error(
      'EHALL_TEST_PG_DSN is not set: ./dev test sets it; against ./dev up load $EHALL_VAR_DIR/test.env ' +
        '(set -a; . "$EHALL_VAR_DIR/test.env"; set +a)',
    )
  }
  return dsn
}

// One SQL script on the test database; values are psql variables (:'name'), never spliced in.
export function psql(sql, vars) {
  const argv = ['-d', pgDsn(), '-qAtX', '-v', 'ON_ERROR_STOP=1']
  for (const [k, v] of Object.entries(vars)) argv.push('-v', `${k}=${v}`)
  const r = spawnSync('psql', argv, { input: sql, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr || r.error}`)
  return r.stdout.trim()
}

// Our stored password format (core/identity/password.h), with few iterations: a test account.
export function pbkdf2(password) {
  const salt = crypto.randomBytes(16)
  const hash = crypto.pbkdf2Sync(password, salt, 1000, 32, 'sha256')
  return `pbkdf2-sha256$1000$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

// An active account in orgUnit with roles ("staff", "dept_admin@XSC" …) and that password.
export function createAccount({ campusId, name }, kind, orgUnit, roles, password) {
  psql(
    `INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash, must_change_password)
       VALUES (:'cid', :'name', :'kind'::smallint, :'unit', :'hash', false);`,
    { cid: campusId, name, kind, unit: orgUnit, hash: pbkdf2(password) },
  )
  for (const r of roles) {
    const [role, unit = ''] = r.split('@')
    psql(
      `INSERT INTO account_roles (account_id, role, org_unit)
         SELECT id, :'role', :'unit' FROM accounts WHERE campus_id = :'cid';`,
      { cid: campusId, role, unit },
    )
  }
  psql(
    `INSERT INTO person_units (account_id, unit_id)
       SELECT a.id, u.id FROM accounts a, org_units u WHERE a.campus_id = :'cid' AND u.code = :'unit';`,
    { cid: campusId, unit: orgUnit },
  )
}

// A demo account (migrations/demo/accounts.csv) given this password and no forced change, so a
// test can act as a real demo person (the one the demo data makes a student's counselor, say).
// Demo accounts start with Ehall@2026 and must change it at the first login; setting the test's
// own password here instead keeps the test re-runnable on a kept stack. Returns { campusId, name }.
export function useDemoAccount(campusId, password) {
  const name = psql(
    `UPDATE accounts SET password_hash = :'hash', must_change_password = false
      WHERE campus_id = :'cid' RETURNING name;`,
    { cid: campusId, hash: pbkdf2(password) },
  )
  assert.ok(name, `demo account ${campusId} is not in the test database`)
  return { campusId, name }
}

// Waits until an input shows value (uni-app's H5 input takes a model change a moment later).
export async function inputShows(input, value) {
  let seen = ''
  for (let i = 0; i < 50; i++) {
    seen = await input.inputValue()
    if (seen === value) return
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.equal(seen, value)
}

// Clicks the primary button of uni-app's H5 modal (uni.showModal); returns the modal's text.
export async function confirmModal(page) {
  const modal = page.locator('.uni-modal')
  const ok = modal.locator('.uni-modal__btn_primary')
  await ok.waitFor({ state: 'visible' })
  const text = await modal.innerText()
  await ok.click()
  return text
}

// A JSON call as the signed-in page (its session cookie, and the CSRF header changes need):
// { status, json } (json {} when the body is not JSON).
export async function api(page, method, path, body, headers = {}) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'ehall_csrf')
  const r = await page.request.fetch(baseUrl() + path, {
    method,
    data: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf.value } : {}), ...headers },
  })
  return { status: r.status(), json: await r.json().catch(() => ({})) }
}

export async function login(page, { campusId }, password) {
  await page.goto(baseUrl() + '/#/pages/auth/login')
  await byId(page, 'login-form').waitFor({ state: 'visible' })
  await box(page, 'campus-id').fill(campusId)
  await box(page, 'password').fill(password)
  await byId(page, 'login-submit').click()
  await byId(page, 'user-name').waitFor({ state: 'visible' })
}

export async function noSideScroll(page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  )
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`)
}
