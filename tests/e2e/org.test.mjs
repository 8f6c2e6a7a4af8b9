// End-to-end test of 组织机构与审批人 (issue 4) as its people meet it, against a running hall
// (EHALL_E2E_BASE_URL) whose database the test can reach (EHALL_TEST_PG_DSN, from ./dev test or
// $EHALL_VAR_DIR/test.env): a 学生处 (XSC) department admin, on a PC, exports the counselor
// group's members, appends a new counselor scoped to two new classes, imports the file (the
// preview shows exactly that one addition, then 确认导入 applies it); a student of one of those
// classes sees the counselor's name on 我的审批人; the counselor, on a phone, hands approvals to
// a colleague (外出委托), sees it listed as active, the student now sees the colleague acting
// for the counselor, and the counselor ends it early.
// Independent of other tests and re-runnable on a kept stack: every account and class is the
// run's own (unique codes), inserted through psql with a PBKDF2 password that need not be
// changed; the demo counselors stay members (the import file is the exported membership plus
// one row). Stored rows and audit are the integration tests' business.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { baseUrl, DESKTOP, openPage, PHONE, saveScreenshot } from './browser.mjs'
import { box, byId, createAccount as createAccountWith, login as loginWith, noSideScroll, psql } from './accounts.mjs'

const BASE = baseUrl()
const PASSWORD = 'Org-e2e#2026'
// Unique per run: campus ids and class codes (both allow A–Z a–z 0–9 _ . -).
const RUN = Date.now().toString(36).toUpperCase() + crypto.randomBytes(2).toString('hex').toUpperCase()
const ADMIN = { campusId: `e2o${RUN}a`, name: `学工测试${RUN.slice(-4)}` }
const COUNSELOR = { campusId: `e2o${RUN}c`, name: `辅导测试${RUN.slice(-4)}` }
const DELEGATE = { campusId: `e2o${RUN}d`, name: `代理测试${RUN.slice(-4)}` }
const STUDENT = { campusId: `e2o${RUN}s`, name: `学生测试${RUN.slice(-4)}` }
const CLASS_A = { code: `E2E-${RUN}-1`, name: `端到端${RUN.slice(-4)}级1班` }
const CLASS_B = { code: `E2E-${RUN}-2`, name: `端到端${RUN.slice(-4)}级2班` }
const PARENT_MAJOR = 'CS-SE'
const XSC = 'XSC'
const GROUP = 'counselor'
const DEMO_COUNSELOR = '20150012'
const createAccount = (who, kind, unit, roles) => createAccountWith(who, kind, unit, roles, PASSWORD)
const login = (page, who) => loginWith(page, who, PASSWORD)

// A class under an existing major; the path is the parent's plus the new id.
function createClass({ code, name }) {
  psql(
    `WITH n AS (SELECT nextval(pg_get_serial_sequence('org_units', 'id')) AS id)
     INSERT INTO org_units (id, code, name, kind, parent_id, path)
       OVERRIDING SYSTEM VALUE
       SELECT n.id, :'code', :'name', 5, p.id, p.path || n.id FROM n, org_units p
        WHERE p.code = :'parent' AND p.closed_at IS NULL;`,
    { code, name, parent: PARENT_MAJOR },
  )
  assert.equal(psql(`SELECT count(*) FROM org_units WHERE code = :'code';`, { code }), '1', `class ${code} not created`)
}

// Clicks the primary button of uni-app's H5 modal (uni.showModal).
async function confirmModal(page) {
  const ok = page.locator('.uni-modal .uni-modal__btn_primary')
  await ok.waitFor({ state: 'visible' })
  await ok.click()
}

function csvLine(cells) {
  return cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')
}

test('org: XSC admin imports a counselor (preview, apply) → student sees them → counselor delegates and ends it', { timeout: 240000 }, async () => {
  createClass(CLASS_A)
  createClass(CLASS_B)
  createAccount(ADMIN, 2, XSC, ['staff', `dept_admin@${XSC}`])
  createAccount(COUNSELOR, 2, XSC, ['staff'])
  createAccount(DELEGATE, 2, XSC, ['staff'])
  createAccount(STUDENT, 1, CLASS_A.code, ['student'])

  // ---- the XSC admin on a PC: export, append, import with a preview, apply ------------------
  const pc = await openPage(DESKTOP)
  try {
    const page = pc.page
    await login(page, ADMIN)
    await byId(page, 'org-groups-link').click()
    await byId(page, 'groups-card').waitFor({ state: 'visible' })
    const chip = page.locator(`[data-testid="group-chip"][data-code="${GROUP}"]`)
    await chip.waitFor({ state: 'visible' })
    // Only the groups XSC keeps are offered.
    const codes = await byId(page, 'group-chip').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))
    assert.deepEqual(codes, [GROUP], `the XSC admin is offered ${JSON.stringify(codes)}`)
    await chip.click()
    await page.locator(`[data-testid="member"][data-campus-id="${DEMO_COUNSELOR}"]`).waitFor({ state: 'visible' })

    const [download] = await Promise.all([page.waitForEvent('download'), byId(page, 'export').click()])
    assert.match(download.suggestedFilename(), /\.csv$/)
    const exported = (await streamText(await download.createReadStream())).replace(/\r?\n$/, '')
    const lines = exported.split(/\r?\n/)
    assert.match(lines[0].replace(/^\uFEFF/, ''), /^campus_id,name,scopes/)
    assert.ok(lines.some((l) => l.startsWith(DEMO_COUNSELOR + ',')), 'the export lacks the demo counselor')
    const before = lines.length - 1
    const file = exported + '\n' + csvLine([COUNSELOR.campusId, COUNSELOR.name, `${CLASS_A.code};${CLASS_B.code}`]) + '\n'

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), byId(page, 'import-choose').click()])
    await chooser.setFiles({ name: 'counselors.csv', mimeType: 'text/csv', buffer: Buffer.from(file, 'utf8') })
    await byId(page, 'import-preview').waitFor({ state: 'visible' })
    const changes = byId(page, 'import-change')
    assert.equal(await changes.count(), 1, `preview: ${await byId(page, 'import-preview').innerText()}`)
    assert.equal(await changes.first().getAttribute('data-campus-id'), COUNSELOR.campusId)
    assert.equal(await changes.first().getAttribute('data-change'), 'CHANGE_ADDED')
    const added = await changes.first().innerText()
    assert.ok(added.includes(CLASS_A.code) && added.includes(CLASS_B.code), `the addition shows ${added}`)
    assert.match(await byId(page, 'stat-added').innerText(), /1/)
    assert.match(await byId(page, 'stat-removed').innerText(), /0/)
    assert.match(await byId(page, 'stat-unchanged').innerText(), new RegExp(String(before)))
    assert.equal(await byId(page, 'import-errors').count(), 0)
    await saveScreenshot(page, 'org-import-preview-desktop')

    await byId(page, 'import-apply').click()
    await byId(page, 'import-done').waitFor({ state: 'visible' })
    assert.equal(await byId(page, 'import-preview').count(), 0)

    // The new member is listed with both classes; the demo counselor stayed.
    await box(page, 'members-query').fill(COUNSELOR.campusId)
    await byId(page, 'members-search').click()
    const row = page.locator(`[data-testid="member"][data-campus-id="${COUNSELOR.campusId}"]`)
    await row.waitFor({ state: 'visible' })
    const scopes = await row.locator('[data-testid="member-scopes"]').innerText()
    assert.ok(scopes.includes(CLASS_A.name) && scopes.includes(CLASS_B.name), `scopes shown: ${scopes}`)
    await saveScreenshot(page, 'org-members-desktop')
    const still = await page.request.get(`${BASE}/api/v1/org/groups/${GROUP}/members?query=${DEMO_COUNSELOR}`)
    assert.equal(still.status(), 200)
    assert.equal((await still.json()).members.length, 1, 'the demo counselor was removed by the import')
  } finally {
    await pc.close()
  }

  // ---- the student: 我的审批人 names the counselor --------------------------------------------
  const student = await openPage(PHONE)
  try {
    const page = student.page
    await login(page, STUDENT)
    await byId(page, 'approvers-link').click()
    const group = page.locator(`[data-testid="approver-group"][data-group="${GROUP}"]`)
    await group.waitFor({ state: 'visible' })
    assert.deepEqual(await namesIn(group), [COUNSELOR.name])
    await noSideScroll(page)
    await saveScreenshot(page, 'org-approvers-phone')

    // ---- the counselor on a phone: out of office, listed active, then ended -----------------
    const phone = await openPage(PHONE)
    try {
      const cp = phone.page
      await login(cp, COUNSELOR)
      await byId(cp, 'delegations-link').click()
      await byId(cp, 'delegation-form').waitFor({ state: 'visible' })
      await byId(cp, 'given-empty').waitFor({ state: 'visible' })

      // Nobody to hand to: the error is at the field.
      await byId(cp, 'delegation-submit').click()
      await byId(cp, 'error-to-campus-id').waitFor({ state: 'visible' })
      assert.equal(await byId(cp, 'field-to-campus-id').locator('[data-testid="error-to-campus-id"]').count(), 1)

      // To oneself: the core refuses it, and says so at the same field.
      await box(cp, 'to-campus-id').fill(COUNSELOR.campusId)
      await byId(cp, 'delegation-submit').click()
      await cp.waitForFunction(() => {
        const e = document.querySelector('[data-testid="error-to-campus-id"]')
        return e && e.textContent.trim() !== '' && !e.textContent.includes('请输入')
      })
      assert.equal(await byId(cp, 'delegation-given').count(), 0)

      await box(cp, 'to-campus-id').fill(DELEGATE.campusId)
      await box(cp, 'reason').fill('出差 e2e')
      await byId(cp, 'delegation-submit').click()
      await byId(cp, 'delegation-notice').waitFor({ state: 'visible' })
      const given = cp.locator(`[data-testid="delegation-given"]`)
      await given.first().waitFor({ state: 'visible' })
      assert.equal(await given.count(), 1)
      assert.equal(await given.first().getAttribute('data-active'), 'true')
      const text = await given.first().innerText()
      assert.ok(text.includes(DELEGATE.name) && text.includes('生效中'), `the delegation shows ${text}`)
      await noSideScroll(cp)
      await saveScreenshot(cp, 'org-delegation-active-phone')

      // While it lasts the student's counselor approvals go to the delegate, acting for the
      // counselor.
      await page.reload()
      await group.waitFor({ state: 'visible' })
      const acting = await group.innerText()
      assert.ok(acting.includes(DELEGATE.name) && acting.includes(COUNSELOR.name), `approvers while delegated: ${acting}`)
      await saveScreenshot(page, 'org-approvers-delegated-phone')

      await given.first().locator('[data-testid="delegation-end"]').click()
      await confirmModal(cp)
      await cp.waitForFunction(() => {
        const rows = document.querySelectorAll('[data-testid="delegation-given"][data-active="true"]')
        return rows.length === 0
      })
      // Ended, it leaves the current list and is among the past ones.
      await byId(cp, 'given-empty').waitFor({ state: 'visible' })
      await byId(cp, 'include-past').click()
      const past = cp.locator('[data-testid="delegation-given"]')
      await past.first().waitFor({ state: 'visible' })
      assert.equal(await past.count(), 1)
      assert.equal(await past.first().getAttribute('data-active'), 'false')
      assert.match(await past.first().locator('[data-testid="delegation-state"]').innerText(), /已结束/)
      assert.equal(await cp.locator('[data-testid="delegation-end"]').count(), 0)
      await saveScreenshot(cp, 'org-delegation-ended-phone')

      // The student's counselor is the counselor again.
      await page.reload()
      await group.waitFor({ state: 'visible' })
      assert.deepEqual(await namesIn(group), [COUNSELOR.name])
      assert.deepEqual(phone.pageErrors, [], 'the phone page threw')
    } finally {
      await phone.close()
    }
    assert.deepEqual(student.pageErrors, [], 'the student page threw')
  } finally {
    await student.close()
  }
})

async function namesIn(group) {
  return (await group.locator('[data-testid="approver-name"]').allInnerTexts()).map((t) => t.trim())
}

async function streamText(stream) {
  const chunks = []
  for await (const c of stream) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}
