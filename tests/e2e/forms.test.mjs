// End-to-end test of 网上申请 as its people meet it, against a running hall (EHALL_E2E_BASE_URL)
// whose database the test can reach (EHALL_TEST_PG_DSN): a 教务处 (JWC) department admin has an
// online service with a leave form (saved over HTTP, as the form editor does); a student on a
// phone opens the guide → 进入服务, finds his name prefilled and locked, submits a bad phone and
// 40 days and sees both messages at their fields at once (and no application made); choosing
// 病假 reveals 病情说明; a reload keeps what he typed (the draft saves itself); he corrects
// everything and submits → 已提交 with its 办件编号 and timeline, listed in 我的申请; he withdraws
// with a reason → 已撤回 with the reason in the timeline. HTML typed into a text field shows as
// text on the detail page and runs nothing. The admin's form editor shows the version.
// Independent and re-runnable: accounts and the service are the run's own.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { baseUrl, DESKTOP, openPage, PHONE, saveScreenshot } from './browser.mjs'
import { api, box, byId, createAccount, login, noSideScroll, psql } from './accounts.mjs'

const BASE = baseUrl()
const PASSWORD = 'Forms-e2e#2026'
const RUN = Date.now().toString(36) + crypto.randomBytes(2).toString('hex')
const ADMIN = { campusId: `e2f${RUN}a`, name: `教务表单${RUN.slice(-4)}` }
const STUDENT = { campusId: `e2f${RUN}1`, name: `申请人${RUN.slice(-4)}` }
const CODE = `e2e-fm-${RUN}`
const NAME = `请假测试${RUN.slice(-4)}`
const HTML_TEXT = '<img src=x onerror=alert(1)> 发烧三天'
const REASON = `已康复，不需要请假了（${RUN.slice(-4)}）`

const LEAVE_FORM = {
  title: '请假申请',
  description: '请如实填写，辅导员审核后生效。',
  fields: [
    { key: 'name', label: '姓名', labelEn: 'Name', type: 'FIELD_TYPE_TEXT', prefill: 'PREFILL_SOURCE_NAME', locked: true },
    { key: 'phone', label: '联系电话', labelEn: 'Phone', type: 'FIELD_TYPE_PHONE', required: true },
    {
      key: 'kind',
      label: '请假类型',
      labelEn: 'Kind',
      type: 'FIELD_TYPE_CHOICE',
      required: true,
      options: [{ value: 'sick', label: '病假' }, { value: 'personal', label: '事假' }],
    },
    {
      key: 'detail',
      label: '病情说明',
      labelEn: 'Details',
      type: 'FIELD_TYPE_LONG_TEXT',
      required: true,
      visibleWhen: { field: 'kind', values: ['sick'] },
    },
    { key: 'days', label: '天数', labelEn: 'Days', type: 'FIELD_TYPE_NUMBER', required: true, hasMin: true, min: 1, hasMax: true, max: 30 },
    { key: 'agree', label: '本人承诺以上信息属实', type: 'FIELD_TYPE_CHECKBOX', required: true },
  ],
}

// The student's applications that are more than a draft, as the server has them.
async function submitted(page) {
  const r = await api(page, 'GET', '/api/v1/me/applications')
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return (r.json.applications || []).filter((a) => a.state !== 'APPLICATION_STATE_DRAFT')
}

const field = (page, key) => byId(page, `af-${key}`)
const textareaOf = (page, id) => page.locator(`[data-testid="${id}"] textarea`)
// Resolves with the next draft save the page sends (PUT …/draft) and its status.
const nextDraftSave = (page) =>
  page.waitForResponse((r) => r.url().endsWith(`/api/v1/services/${CODE}/draft`) && r.request().method() === 'PUT', { timeout: 15000 })

test('forms: student applies on a phone → every error at its field → draft survives a reload → submits → 我的申请 → withdraws', { timeout: 240000 }, async () => {
  createAccount(ADMIN, 2, 'JWC', ['staff', 'dept_admin@JWC'], PASSWORD)
  createAccount(STUDENT, 1, 'CS-2023-1', ['student'], PASSWORD)

  const pc = await openPage(DESKTOP)
  const mobile = await openPage(PHONE)
  try {
    // ---- set-up: an online service of JWC with its leave form -----------------------------------
    const admin = pc.page
    await login(admin, ADMIN, PASSWORD)
    let r = await api(admin, 'POST', '/api/v1/admin/catalog/services', {
      code: CODE,
      ownerUnit: 'JWC',
      guide: {
        name: NAME,
        nameEn: `E2E leave ${RUN}`,
        categories: ['certificates'],
        audience: 'AUDIENCE_EVERYONE',
        summary: '网上提交请假申请。',
        steps: ['网上填写', '辅导员审核'],
        mode: 'HANDLING_MODE_ONLINE',
      },
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(admin, 'POST', `/api/v1/admin/catalog/services/${CODE}:publish`, { version: 1 })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(admin, 'PUT', `/api/v1/admin/services/${CODE}/form`, { form: LEAVE_FORM })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    assert.equal(r.json.version, 1)

    // ---- the student opens the guide on his phone → 进入服务 ----------------------------------------
    const p = mobile.page
    let dialogs = 0
    p.on('dialog', async (d) => {
      dialogs++
      await d.dismiss()
    })
    await login(p, STUDENT, PASSWORD)
    await p.goto(`${BASE}/#/pages/catalog/service?code=${CODE}`)
    await byId(p, 'enter-service').click()
    await byId(p, 'apply-title').waitFor({ state: 'visible' })
    assert.equal(await byId(p, 'apply-title').innerText(), '请假申请')
    // His name, prefilled from his record and locked.
    const nameBox = box(p, 'af-input-name')
    assert.equal(await nameBox.inputValue(), STUDENT.name)
    assert.equal(await nameBox.isDisabled(), true)
    assert.match(await byId(p, 'af-locked-name').innerText(), /🔒 来自个人信息/)
    // 病情说明 only for 病假.
    assert.equal(await field(p, 'detail').count(), 0)
    await noSideScroll(p)

    // ---- a bad phone and 40 days: every message at its field, at once, nothing made ----------------
    await box(p, 'af-input-phone').fill('12345')
    await box(p, 'af-input-days').fill('40')
    await byId(p, 'apply-submit').click()
    await byId(p, 'af-error-phone').waitFor({ state: 'visible' })
    await byId(p, 'af-error-days').waitFor({ state: 'visible' })
    assert.ok((await byId(p, 'af-error-phone').innerText()).length > 0)
    assert.match(await byId(p, 'af-error-days').innerText(), /30/)
    // Each message sits inside its own field's block.
    assert.equal(await field(p, 'phone').locator('[data-testid="af-error-phone"]').count(), 1)
    assert.equal(await field(p, 'days').locator('[data-testid="af-error-days"]').count(), 1)
    // The required ones left empty are named too, in the same answer.
    await byId(p, 'af-error-kind').waitFor({ state: 'visible' })
    await byId(p, 'af-error-agree').waitFor({ state: 'visible' })
    assert.equal(await byId(p, 'af-error-name').count(), 0)
    assert.deepEqual(await submitted(p), [])
    await saveScreenshot(p, 'forms-errors-phone')

    // ---- 病假 reveals 病情说明; what he types is saved as a draft and survives a reload -------------------
    await p.locator('[data-testid="af-input-kind-option"][data-value="sick"]').click()
    await field(p, 'detail').waitFor({ state: 'visible' })
    const saved = nextDraftSave(p)
    await textareaOf(p, 'af-input-detail').fill(HTML_TEXT)
    assert.equal((await saved).status(), 200)
    await byId(p, 'draft-saved').waitFor({ state: 'visible' })
    assert.match(await byId(p, 'draft-saved').innerText(), /^草稿已保存 \d{2}:\d{2}/)
    await p.reload()
    await field(p, 'detail').waitFor({ state: 'visible' })
    assert.equal(await box(p, 'af-input-phone').inputValue(), '12345')
    assert.equal(await box(p, 'af-input-days').inputValue(), '40')
    assert.equal(await textareaOf(p, 'af-input-detail').inputValue(), HTML_TEXT)
    assert.match(
      await p.locator('[data-testid="af-input-kind-option"][data-value="sick"]').getAttribute('class'),
      /af-option-on/,
    )
    assert.equal(await box(p, 'af-input-name').inputValue(), STUDENT.name)
    await byId(p, 'draft-saved').waitFor({ state: 'visible' })

    // ---- corrected and submitted ------------------------------------------------------------------
    await box(p, 'af-input-phone').fill('13800138000')
    await box(p, 'af-input-days').fill('3')
    await byId(p, 'af-input-agree').click()
    assert.equal(await byId(p, 'af-input-agree').getAttribute('data-checked'), 'true')
    await byId(p, 'apply-submit').click()
    await byId(p, 'application').waitFor({ state: 'visible' })
    assert.equal(await byId(p, 'app-state').innerText(), '已提交')
    const serial = await byId(p, 'app-serial').innerText()
    assert.match(serial, /^\d{8}-\d{6}$/)
    assert.equal(await byId(p, 'app-service').innerText(), NAME)
    const events = p.locator('[data-testid="timeline-event"]')
    assert.equal(await events.count(), 1)
    assert.equal(await events.first().getAttribute('data-action'), 'submitted')
    assert.equal(await events.first().locator('[data-testid="timeline-label"]').innerText(), '提交申请')
    // The values as submitted, with their labels; the HTML is text, no element, nothing ran.
    const detail = p.locator('[data-testid="app-value"][data-key="detail"]')
    assert.match(await detail.innerText(), /病情说明/)
    assert.equal(await detail.locator('[data-testid="app-value-text"]').innerText(), HTML_TEXT)
    assert.equal(await byId(p, 'app-values').locator('img').count(), 0)
    assert.match(await p.locator('[data-testid="app-value"][data-key="kind"]').innerText(), /病假/)
    assert.match(await p.locator('[data-testid="app-value"][data-key="name"]').innerText(), new RegExp(STUDENT.name))
    assert.equal(dialogs, 0)
    await noSideScroll(p)
    await saveScreenshot(p, 'forms-submitted-phone')

    // The server agrees: one application, submitted, with what he typed.
    const apps = await submitted(p)
    assert.equal(apps.length, 1)
    assert.equal(apps[0].state, 'APPLICATION_STATE_SUBMITTED')
    assert.equal(apps[0].serial, serial)
    const appId = await byId(p, 'application').getAttribute('data-id')
    assert.equal(apps[0].id, appId)
    r = await api(p, 'GET', `/api/v1/me/applications/${appId}`)
    assert.equal(r.status, 200, JSON.stringify(r.json))
    assert.deepEqual(r.json.data, { name: STUDENT.name, phone: '13800138000', kind: 'sick', detail: HTML_TEXT, days: 3, agree: true })

    // ---- 我的申请 lists it ----------------------------------------------------------------------------
    await byId(p, 'detail-open-mine').click()
    const row = p.locator(`[data-testid="my-application"][data-id="${appId}"]`)
    await row.waitFor({ state: 'visible' })
    assert.equal(await row.locator('[data-testid="my-application-service"]').innerText(), NAME)
    assert.equal(await row.locator('[data-testid="my-application-state"]').innerText(), '已提交')
    assert.equal(await row.locator('[data-testid="my-application-serial"]').innerText(), serial)
    await noSideScroll(p)
    await saveScreenshot(p, 'forms-mine-phone')

    // ---- he withdraws it with a reason ------------------------------------------------------------------
    await row.click()
    await byId(p, 'withdraw').waitFor({ state: 'visible' })
    await byId(p, 'withdraw').click()
    await textareaOf(p, 'withdraw-reason').fill(REASON)
    await byId(p, 'withdraw-confirm').click()
    await p.locator('[data-testid="app-state"]', { hasText: '已撤回' }).waitFor({ state: 'visible' })
    assert.equal(await byId(p, 'withdraw').count(), 0)
    const withdrawn = p.locator('[data-testid="timeline-event"][data-action="withdrawn"]')
    await withdrawn.waitFor({ state: 'visible' })
    assert.equal(await withdrawn.locator('[data-testid="timeline-label"]').innerText(), '撤回申请')
    assert.equal(await withdrawn.locator('[data-testid="timeline-note"]').innerText(), REASON)
    const after = await submitted(p)
    assert.deepEqual(after.map((a) => a.state), ['APPLICATION_STATE_WITHDRAWN'])
    await saveScreenshot(p, 'forms-withdrawn-phone')
    assert.equal(dialogs, 0)

    // ---- the admin's form editor shows the definition and its version ------------------------------------
    await admin.goto(`${BASE}/#/pages/apply/editor?code=${CODE}`)
    await byId(admin, 'form-json').waitFor({ state: 'visible' })
    const json = JSON.parse(await textareaOf(admin, 'form-json').inputValue())
    assert.deepEqual(json.fields.map((f) => f.key), ['name', 'phone', 'kind', 'detail', 'days', 'agree'])
    await admin.locator('[data-testid="form-version"][data-version="1"]').waitFor({ state: 'visible' })
    // A bad definition is named at its path, and nothing is stored.
    json.fields[2].options = []
    await textareaOf(admin, 'form-json').fill(JSON.stringify(json, null, 2))
    await byId(admin, 'form-validate').click()
    await admin.locator('[data-testid="form-error"][data-path="form.fields[2].options"]').waitFor({ state: 'visible' })
    await byId(admin, 'form-preview').locator('[data-testid="af-error-kind"]').waitFor({ state: 'visible' })
    assert.equal(await admin.locator('[data-testid="form-version"]').count(), 1)
    await saveScreenshot(admin, 'forms-editor-desktop')

    for (const x of [pc, mobile]) assert.deepEqual(x.pageErrors, [])
  } finally {
    await mobile.close()
    await pc.close()
  }
})

// A service handled online that also takes appointments: a full slot says 已约满 and cannot be
// picked; a table row and an uploaded file go in with the values; the application page shows the
// booking with its check-in code, the row with its column labels and the file, which only its
// owner can fetch.
test('forms: an application with a table, a file and an appointment', { timeout: 240000 }, async () => {
  const ADMIN2 = { campusId: `e2f${RUN}b`, name: `教务表单乙${RUN.slice(-4)}` }
  const STUDENT2 = { campusId: `e2f${RUN}2`, name: `申请人乙${RUN.slice(-4)}` }
  const CODE2 = `${CODE}-b`
  createAccount(ADMIN2, 2, 'JWC', ['staff', 'dept_admin@JWC'], PASSWORD)
  createAccount(STUDENT2, 1, 'CS-2023-1', ['student'], PASSWORD)
  const pc = await openPage(DESKTOP)
  const mobile = await openPage(PHONE)
  try {
    const admin = pc.page
    await login(admin, ADMIN2, PASSWORD)
    let r = await api(admin, 'POST', '/api/v1/admin/catalog/services', {
      code: CODE2,
      ownerUnit: 'JWC',
      guide: { name: `${NAME}乙`, nameEn: `E2E appointment ${RUN}`, categories: ['certificates'], audience: 'AUDIENCE_EVERYONE', summary: '网上申请并预约现场核验。', steps: ['网上填写', '现场核验'], mode: 'HANDLING_MODE_BOTH' },
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(admin, 'POST', `/api/v1/admin/catalog/services/${CODE2}:publish`, { version: 1 })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(admin, 'PUT', `/api/v1/admin/services/${CODE2}/form`, {
      form: {
        title: '活动报名',
        fields: [
          { key: 'members', label: '同行人', type: 'FIELD_TYPE_TABLE', columns: [
            { key: 'who', label: '姓名', type: 'FIELD_TYPE_TEXT', required: true },
            { key: 'tel', label: '电话', type: 'FIELD_TYPE_PHONE' },
          ] },
          { key: 'proof', label: '证明材料', type: 'FIELD_TYPE_FILES', maxFiles: 2 },
        ],
      },
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(admin, 'GET', '/api/v1/admin/bookings')
    const [y, m, d] = r.json.day.split('-').map(Number)
    const tomorrow = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
    const slot = async (start, end) => {
      const x = await api(admin, 'POST', `/api/v1/admin/services/${CODE2}/slots`, { day: tomorrow, startTime: start, endTime: end, location: '行政楼 201 室', capacity: 1 })
      assert.equal(x.status, 200, JSON.stringify(x.json))
      return x.json.id
    }
    const full = await slot('09:00', '09:30')
    const open = await slot('10:00', '10:30')
    // The admin takes the first slot's only seat himself.
    r = await api(admin, 'POST', `/api/v1/services/${CODE2}/slots/${full}:book`, {})
    assert.equal(r.status, 200, JSON.stringify(r.json))

    const p = mobile.page
    await login(p, STUDENT2, PASSWORD)
    await p.goto(`${BASE}/#/pages/catalog/service?code=${CODE2}`)
    await byId(p, 'enter-service').click()
    await byId(p, 'apply-slots').waitFor({ state: 'visible' })
    const fullRow = p.locator(`[data-testid="apply-slot"][data-slot-id="${full}"]`)
    assert.equal(await fullRow.locator('[data-testid="apply-slot-full"]').innerText(), '已约满')
    // Without a slot the core names it.
    await byId(p, 'apply-submit').click()
    await byId(p, 'af-error-slot').waitFor({ state: 'visible' })
    await fullRow.click()
    assert.doesNotMatch(await fullRow.getAttribute('class'), /af-slot-on/)
    await p.locator(`[data-testid="apply-slot"][data-slot-id="${open}"]`).click()

    // A table row: an empty name is named at its cell.
    await byId(p, 'af-add-members').click()
    await box(p, 'af-input-members-0-tel').fill('0373-3326105')
    const pdf = Buffer.from('%PDF-1.4\n% ehall e2e\n')
    const chooser = p.waitForEvent('filechooser')
    await byId(p, 'af-upload-proof').click()
    await (await chooser).setFiles({ name: '证明.pdf', mimeType: 'application/pdf', buffer: pdf })
    const file = p.locator('[data-testid="af-file"]')
    await file.waitFor({ state: 'visible' })
    assert.match(await file.innerText(), /证明\.pdf/)
    await byId(p, 'apply-submit').click()
    await byId(p, 'af-error-members-0-who').waitFor({ state: 'visible' })
    await noSideScroll(p)
    await saveScreenshot(p, 'forms-table-file-slot-phone')
    await box(p, 'af-input-members-0-who').fill('李四')
    await byId(p, 'apply-submit').click()

    await byId(p, 'application').waitFor({ state: 'visible' })
    assert.equal(await byId(p, 'app-state').innerText(), '已提交')
    assert.match(await byId(p, 'app-booking-when').innerText(), /10:00-10:30/)
    assert.match(await byId(p, 'app-booking-code').innerText(), /^[0-9]{8}$/)
    const members = p.locator('[data-testid="app-value"][data-key="members"]')
    assert.match(await members.innerText(), /姓名：李四[\s\S]*电话：0373-3326105/)
    const link = p.locator('[data-testid="app-value"][data-key="proof"] a')
    const href = await link.getAttribute('href')
    assert.match(href, /^\/api\/v1\/me\/attachments\/[0-9]+$/)
    const got = await p.request.get(BASE + href)
    assert.equal(got.status(), 200)
    assert.deepEqual(Buffer.from(await got.body()), pdf)
    // Another person's session cannot fetch it.
    assert.equal((await admin.request.get(BASE + href)).status(), 404)
    await saveScreenshot(p, 'forms-booking-detail-phone')

    // Returned for changes (as approvals will do; set here in the database): the form comes back
    // with what he sent, he changes a cell and resubmits.
    const appId = await byId(p, 'application').getAttribute('data-id')
    psql(`UPDATE applications SET state = 4 WHERE id = :'id';`, { id: appId })
    await p.reload()
    await byId(p, 'start-resubmit').click()
    await box(p, 'af-input-members-0-who').waitFor({ state: 'visible' })
    assert.equal(await box(p, 'af-input-members-0-who').inputValue(), '李四')
    await box(p, 'af-input-members-0-who').fill('王五')
    await byId(p, 'resubmit').click()
    await p.locator('[data-testid="timeline-event"][data-action="resubmitted"]').waitFor({ state: 'visible' })
    assert.equal(await byId(p, 'app-state').innerText(), '已提交')
    assert.match(await members.innerText(), /姓名：王五/)
    for (const x of [pc, mobile]) assert.deepEqual(x.pageErrors, [])
  } finally {
    await mobile.close()
    await pc.close()
  }
})
