// End-to-end test of 审批 as its people meet it, against a running hall (EHALL_E2E_BASE_URL)
// whose database the test can reach (EHALL_TEST_PG_DSN), with the demo data's people and the
// demo process of 学生请假 (student-leave: the applicant's counselor, then — when days > 3 — his
// college's dept_leader):
//   - the student 张伟 (2023010101, CS-2023-1) applies on his phone for 5 days; his counselor 黄丽
//     (20150012) finds it in 审批待办 on her phone, is told at the field that 驳回 needs an
//     opinion, and approves with one; the college leader 刘志远 (20000111) returns it to the
//     applicant with an opinion; the student sees 退回修改, the step 已退回 and both opinions,
//     reminds (催办: a second one is refused with the server's message), amends and resubmits;
//     both approve again; the student's page shows 已通过 and all four opinions with names;
//   - 批量同意 from the to-do list, filtered to the service: two ticked tasks approved, a third
//     someone decided first is reported on its own with the server's message;
//   - a department admin's process editor (PC) names a bad definition's problem at its path,
//     previews a good one in words (并行 branches, 申请人的 counselor, 当 days > 3), saves it as
//     version 1 and publishes it after a confirmation.
// Re-runnable on a kept stack: each run makes new applications (the student may have many), its
// own admin and service, and gives the demo people the test's password (accounts.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { baseUrl, DESKTOP, openPage, PHONE, saveScreenshot } from './browser.mjs'
import { api, box, byId, confirmModal, createAccount, login, noSideScroll, useDemoAccount } from './accounts.mjs'

const BASE = baseUrl()
const PASSWORD = 'Approvals-e2e#2026'
const RUN = Date.now().toString(36) + crypto.randomBytes(2).toString('hex')
const LEAVE = 'student-leave'
const STUDENT_ID = '2023010101'
const COUNSELOR_ID = '20150012'
const LEADER_ID = '20000111'

const OPINION_1 = `情况属实，同意请假（辅导员 ${RUN}）`
const OPINION_2 = `请补充离校去向和返校时间（学院 ${RUN}）`
const OPINION_3 = `已核实补充说明，同意（辅导员 ${RUN}）`
const OPINION_4 = `同意，注意安全，按时销假（学院 ${RUN}）`
const REASON = `家中有事需回家处理（${RUN}）`
const REASON_AMENDED = `${REASON}；去向：河南开封，12 月 8 日返校`

const textareaOf = (page, id) => page.locator(`[data-testid="${id}"] textarea`)
const taskRow = (page, appId) => page.locator(`[data-testid="task"][data-application-id="${appId}"]`)

// The demo people, with the test's password (the first login's forced change is not this test's
// subject); their names come from the database.
function people() {
  return {
    student: useDemoAccount(STUDENT_ID, PASSWORD),
    counselor: useDemoAccount(COUNSELOR_ID, PASSWORD),
    leader: useDemoAccount(LEADER_ID, PASSWORD),
  }
}

// The task row of this application in the list shown, pressing 加载更多 until it appears.
async function findTask(page, appId) {
  await byId(page, 'tasks').waitFor({ state: 'visible' })
  for (let i = 0; i < 50; i++) {
    if (await taskRow(page, appId).count()) return taskRow(page, appId)
    const more = byId(page, 'load-more')
    if (!(await more.count())) break
    await more.click()
    await page.waitForTimeout(300)
  }
  assert.fail(`application ${appId} is not in the list: ${await byId(page, 'tasks').innerText()}`)
}

// Opens the approver's task page of this application from 审批待办.
async function openFromTodo(page, appId) {
  await page.goto(`${BASE}/#/pages/approvals/todo`)
  const row = await findTask(page, appId)
  await row.click()
  await byId(page, 'approval').waitFor({ state: 'visible' })
  assert.equal(await byId(page, 'approval').getAttribute('data-id'), appId)
}

// The applicant's page of this application, loaded afresh (a hash URL the page is already at
// would not reload it).
async function openDetail(page, appId) {
  await page.goto(`${BASE}/#/pages/apply/detail?id=${appId}`)
  await page.reload()
  await byId(page, 'app-progress').waitFor({ state: 'visible' })
}

// The student's leave as the form's API takes it, with the prefilled values the form offers.
async function leaveData(page, days, reason) {
  const r = await api(page, 'GET', `/api/v1/services/${LEAVE}/form`)
  assert.equal(r.status, 200, JSON.stringify(r.json))
  const values = { ...(r.json.values || {}) }
  for (const k of ['illness', 'destination', 'leave_campus', 'proof']) delete values[k]
  return { ...values, phone: values.phone || '13800000101', kind: 'personal', start: '2026-12-14', days, reason, promise: true }
}

async function submitLeave(page, days, reason) {
  const r = await api(page, 'POST', `/api/v1/services/${LEAVE}/applications`, { data: await leaveData(page, days, reason) }, { 'idempotency-key': crypto.randomUUID() })
  assert.equal(r.status, 200, JSON.stringify(r.json))
  assert.equal(r.json.state, 'APPLICATION_STATE_IN_REVIEW', `the demo process of ${LEAVE} is not published? ${JSON.stringify(r.json)}`)
  return r.json.id
}

async function applicationState(page, appId) {
  const r = await api(page, 'GET', `/api/v1/me/applications/${appId}`)
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return r.json.state
}

// The opinion whose text is `text` on the page: { actor, action } as shown.
async function opinionShown(page, text) {
  const o = page.locator('[data-testid="opinion"]').filter({ has: page.locator('[data-testid="opinion-text"]', { hasText: text }) })
  await o.first().waitFor({ state: 'visible' })
  assert.equal(await o.count(), 1, `opinion "${text}" shown ${await o.count()} times`)
  return {
    actor: await o.locator('[data-testid="opinion-actor"]').innerText(),
    action: await o.locator('[data-testid="opinion-action"]').innerText(),
    step: await o.getAttribute('data-step'),
  }
}

// The approver acts with an opinion on the open task page and waits for the result.
async function act(page, button, opinion) {
  await textareaOf(page, 'act-opinion').fill(opinion)
  await byId(page, button).click()
  await byId(page, 'act-result').waitFor({ state: 'visible' })
  assert.equal(await byId(page, 'act-error').count(), 0)
}

test('approvals: 5 days of leave → counselor approves on a phone → leader returns → student amends → both approve → every opinion shown', { timeout: 300000 }, async () => {
  const { student, counselor, leader } = people()
  const sp = await openPage(PHONE)
  const cp = await openPage(PHONE)
  const lp = await openPage(PHONE)
  try {
    // ---- the student applies for 5 days of leave on his phone -------------------------------
    const s = sp.page
    await login(s, student, PASSWORD)
    await s.goto(`${BASE}/#/pages/apply/form?code=${LEAVE}`)
    await byId(s, 'apply-title').waitFor({ state: 'visible' })
    assert.equal(await box(s, 'af-input-name').inputValue(), student.name)
    await box(s, 'af-input-phone').fill('13800000101')
    await s.locator('[data-testid="af-input-kind-option"][data-value="personal"]').click()
    // uni-app's date picker on a phone: open it and take the day it offers (today).
    await byId(s, 'af-input-start').click()
    await s.locator('.uni-picker-action-confirm').click()
    await s.locator('[data-testid="af-input-start"]', { hasText: /\d{4}-\d{2}-\d{2}/ }).waitFor({ state: 'visible' })
    await box(s, 'af-input-days').fill('5')
    if ((await byId(s, 'af-input-leave_campus').getAttribute('data-checked')) === 'true') await byId(s, 'af-input-leave_campus').click()
    await textareaOf(s, 'af-input-reason').fill(REASON)
    if ((await byId(s, 'af-input-promise').getAttribute('data-checked')) !== 'true') await byId(s, 'af-input-promise').click()
    await byId(s, 'apply-submit').click()
    await byId(s, 'application').waitFor({ state: 'visible' })
    const appId = await byId(s, 'application').getAttribute('data-id')
    assert.equal(await byId(s, 'app-state').innerText(), '审核中')
    // His page shows the process: the counselor's step is running.
    await byId(s, 'app-progress').waitFor({ state: 'visible' })
    const counselorStep = s.locator('[data-testid="app-progress"] [data-testid="flow-step"][data-key="counselor"]')
    assert.equal(await counselorStep.getAttribute('data-status'), 'active')
    assert.equal(await counselorStep.locator('[data-testid="flow-step-status"]').innerText(), '进行中')
    await noSideScroll(s)
    await saveScreenshot(s, 'approvals-submitted-phone')

    // ---- the counselor finds it in 审批待办 on her phone ------------------------------------------
    const c = cp.page
    await login(c, counselor, PASSWORD)
    await byId(c, 'approvals-todo-link').click()
    await byId(c, 'approvals-todo').waitFor({ state: 'visible' })
    let row = await findTask(c, appId)
    assert.match(await row.locator('[data-testid="task-service"]').innerText(), /学生请假/)
    assert.match(await row.locator('[data-testid="task-applicant"]').innerText(), new RegExp(student.name))
    assert.ok(Number(await byId(c, 'count-todo').innerText()) >= 1)
    await noSideScroll(c)
    await saveScreenshot(c, 'approvals-todo-phone')
    await row.click()
    await byId(c, 'approval').waitFor({ state: 'visible' })
    assert.match(await byId(c, 'approval-applicant').innerText(), new RegExp(`${student.name}（${STUDENT_ID}）`))
    assert.equal(await byId(c, 'approval-state').innerText(), '审核中')
    // The values with the labels of the form: 请假天数 5, 事假.
    const days = c.locator('[data-testid="approval-values"] [data-testid="app-value"][data-key="days"]')
    assert.match(await days.innerText(), /请假天数/)
    assert.equal(await days.locator('[data-testid="app-value-text"]').innerText(), '5')
    assert.match(await c.locator('[data-testid="app-value"][data-key="kind"]').innerText(), /事假/)
    assert.equal(await c.locator('[data-testid="app-value"][data-key="reason"] [data-testid="app-value-text"]').innerText(), REASON)
    // 驳回 without an opinion: the server's message at the opinion, nothing decided.
    await byId(c, 'act-reject').click()
    await byId(c, 'act-error-opinion').waitFor({ state: 'visible' })
    assert.ok((await byId(c, 'act-error-opinion').innerText()).length > 0)
    assert.equal(await byId(c, 'act-result').count(), 0)
    assert.equal(await applicationState(s, appId), 'APPLICATION_STATE_IN_REVIEW')
    await noSideScroll(c)
    await saveScreenshot(c, 'approvals-task-opinion-required-phone')
    await act(c, 'act-approve', OPINION_1)
    assert.equal(await byId(c, 'act-result-state').innerText(), '申请状态：审核中')
    assert.match(await byId(c, 'act-result-next').innerText(), /^当前步骤：/)
    assert.equal(await byId(c, 'act-panel').count(), 0, 'the task is still open after approving')
    assert.deepEqual(await opinionShown(c, OPINION_1), { actor: counselor.name, action: '同意', step: 'counselor' })
    await saveScreenshot(c, 'approvals-approved-phone')

    // ---- the college leader returns it to the applicant -----------------------------------------
    const l = lp.page
    await login(l, leader, PASSWORD)
    await openFromTodo(l, appId)
    await textareaOf(l, 'act-opinion').fill(OPINION_2)
    await byId(l, 'act-return').click()
    await byId(l, 'act-return-panel').waitFor({ state: 'visible' })
    const toApplicant = l.locator('[data-testid="return-target"][data-key=""]')
    assert.match(await toApplicant.getAttribute('class'), /c-chip-on/)
    await byId(l, 'act-return-confirm').click()
    await byId(l, 'act-result').waitFor({ state: 'visible' })
    assert.equal(await byId(l, 'act-result-state').innerText(), '申请状态：退回修改')
    assert.deepEqual(await opinionShown(l, OPINION_2), { actor: leader.name, action: '退回申请人', step: 'college_leader' })
    await noSideScroll(l)
    await saveScreenshot(l, 'approvals-returned-phone')

    // ---- the student sees it returned with both opinions, reminds, amends and resubmits -----------
    await openDetail(s, appId)
    assert.equal(await byId(s, 'app-state').innerText(), '退回修改')
    const returned = s.locator('[data-testid="app-progress"] [data-testid="flow-step"][data-status="returned"]')
    assert.equal(await returned.count(), 1)
    assert.equal(await returned.locator('[data-testid="flow-step-status"]').innerText(), '已退回')
    assert.deepEqual(await opinionShown(s, OPINION_1), { actor: counselor.name, action: '同意', step: 'counselor' })
    assert.deepEqual(await opinionShown(s, OPINION_2), { actor: leader.name, action: '退回申请人', step: 'college_leader' })
    await saveScreenshot(s, 'approvals-student-returned-phone')

    await byId(s, 'start-resubmit').click()
    await textareaOf(s, 'af-input-reason').fill(REASON_AMENDED)
    await byId(s, 'resubmit').click()
    await s.locator('[data-testid="timeline-event"][data-action="resubmitted"]').waitFor({ state: 'visible' })
    await s.locator('[data-testid="app-state"]', { hasText: '审核中' }).waitFor({ state: 'visible' })
    await s.locator('[data-testid="app-progress"] [data-testid="flow-step"][data-key="counselor"][data-status="active"]').waitFor({ state: 'visible' })
    // 催办 on the counselor's step; a second one the same day is refused with the server's words.
    await byId(s, 'remind').click()
    await byId(s, 'reminded').waitFor({ state: 'visible' })
    assert.equal(await byId(s, 'remind').count(), 0)
    const again = await api(s, 'POST', `/api/v1/me/applications/${appId}:remind`, {})
    assert.equal(again.status, 429, JSON.stringify(again.json))
    assert.ok(again.json.message, 'a refused 催办 says why')
    await noSideScroll(s)

    // ---- both approve again ----------------------------------------------------------------------
    await openFromTodo(c, appId)
    assert.equal(await c.locator('[data-testid="app-value"][data-key="reason"] [data-testid="app-value-text"]').innerText(), REASON_AMENDED)
    await act(c, 'act-approve', OPINION_3)
    await openFromTodo(l, appId)
    await act(l, 'act-approve', OPINION_4)
    assert.equal(await byId(l, 'act-result-state').innerText(), '申请状态：已通过')
    assert.equal(await byId(l, 'act-result-next').innerText(), '没有进行中的步骤')

    // ---- the student's page: 已通过, every opinion with its author -----------------------------------
    await openDetail(s, appId)
    assert.equal(await byId(s, 'app-state').innerText(), '已通过')
    assert.deepEqual(await opinionShown(s, OPINION_1), { actor: counselor.name, action: '同意', step: 'counselor' })
    assert.deepEqual(await opinionShown(s, OPINION_2), { actor: leader.name, action: '退回申请人', step: 'college_leader' })
    assert.deepEqual(await opinionShown(s, OPINION_3), { actor: counselor.name, action: '同意', step: 'counselor' })
    assert.deepEqual(await opinionShown(s, OPINION_4), { actor: leader.name, action: '同意', step: 'college_leader' })
    // In the order they were given.
    const texts = await s.locator('[data-testid="app-progress"] [data-testid="opinion-text"]').allInnerTexts()
    const order = [OPINION_1, OPINION_2, OPINION_3, OPINION_4].map((t) => texts.indexOf(t))
    assert.deepEqual([...order].sort((a, b) => a - b), order, `opinions out of order: ${JSON.stringify(texts)}`)
    // The steps as they ran, the returned round included: the last run of each step approved.
    const ran = await s.locator('[data-testid="app-progress"] [data-testid="flow-step"]').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-key'), e.getAttribute('data-status')]),
    )
    const last = Object.fromEntries(ran)
    assert.deepEqual(last, { counselor: 'approved', college_leader: 'approved' }, JSON.stringify(ran))
    assert.ok(ran.some(([k, st]) => k === 'college_leader' && st === 'returned'), JSON.stringify(ran))
    assert.equal(await byId(s, 'remind').count(), 0)
    // The timeline names the approvals' events too: the return with its step and opinion.
    const ret = s.locator('[data-testid="timeline-event"][data-action="return"]')
    assert.equal(await ret.count(), 1)
    assert.equal(await ret.locator('[data-testid="timeline-label"]').innerText(), '退回申请人')
    assert.equal(await ret.locator('[data-testid="timeline-note"]').innerText(), OPINION_2)
    await noSideScroll(s)
    await saveScreenshot(s, 'approvals-student-approved-phone')

    for (const x of [sp, cp, lp]) assert.deepEqual(x.pageErrors, [])
  } finally {
    await lp.close()
    await cp.close()
    await sp.close()
  }
})

test('approvals: 批量同意 from the to-do list, each result on its own', { timeout: 240000 }, async () => {
  const { student, counselor } = people()
  const sp = await openPage(PHONE)
  const cp = await openPage(PHONE)
  try {
    const s = sp.page
    await login(s, student, PASSWORD)
    // Three one-day leaves (no college step: days ≤ 3).
    const ids = []
    for (let i = 1; i <= 3; i++) ids.push(await submitLeave(s, 1, `${REASON} · 批量 ${i}`))

    const c = cp.page
    await login(c, counselor, PASSWORD)
    await c.goto(`${BASE}/#/pages/approvals/todo`)
    await byId(c, 'approvals-todo').waitFor({ state: 'visible' })
    // Only this service.
    await box(c, 'filter-service').fill(LEAVE)
    await byId(c, 'filter-apply').click()
    await byId(c, 'filter-clear').waitFor({ state: 'visible' })
    const rows = []
    for (const id of ids) rows.push(await findTask(c, id))
    for (const sv of await byId(c, 'task-service').allInnerTexts()) assert.match(sv, /学生请假/)
    for (const r of rows) await r.locator('[data-testid="task-check"]').click()
    for (const r of rows) assert.equal(await r.locator('[data-testid="task-check"]').getAttribute('data-checked'), 'true')
    assert.match(await byId(c, 'bulk-approve').innerText(), /批量同意（3）/)
    await noSideScroll(c)
    await saveScreenshot(c, 'approvals-bulk-picked-phone')

    // Meanwhile the third is decided elsewhere (another tab of hers).
    const third = await rows[2].getAttribute('data-task-id')
    const first = await api(c, 'POST', `/api/v1/tasks/${third}:act`, { action: 'APPROVE' })
    assert.equal(first.status, 200, JSON.stringify(first.json))

    const bulkOpinion = `批量同意（${RUN}）`
    await box(c, 'bulk-opinion').fill(bulkOpinion)
    await byId(c, 'bulk-approve').click()
    await byId(c, 'bulk-results').waitFor({ state: 'visible' })
    assert.match(await byId(c, 'bulk-summary').innerText(), /成功 2 件，共 3 件/)
    const results = byId(c, 'bulk-result')
    assert.equal(await results.count(), 3)
    const failed = c.locator(`[data-testid="bulk-result"][data-task-id="${third}"]`)
    assert.equal(await failed.getAttribute('data-ok'), 'false')
    assert.doesNotMatch(await failed.innerText(), /已同意$/)
    assert.match(await failed.innerText(), new RegExp(student.name))
    assert.equal(await c.locator('[data-testid="bulk-result"][data-ok="true"]').count(), 2)
    // They left the to-do list, and the applications are approved.
    for (const id of ids) await taskRow(c, id).waitFor({ state: 'detached' })
    for (const id of ids) assert.equal(await applicationState(s, id), 'APPLICATION_STATE_APPROVED')
    await noSideScroll(c)
    await saveScreenshot(c, 'approvals-bulk-results-phone')

    // 已办 lists them with the opinion she gave.
    await byId(c, 'tab-done').click()
    const done = await findTask(c, ids[0])
    assert.equal(await done.locator('[data-testid="task-opinion"]').innerText(), `意见：${bulkOpinion}`)
    assert.match(await done.locator('[data-testid="task-state"]').innerText(), /^已同意/)

    for (const x of [sp, cp]) assert.deepEqual(x.pageErrors, [])
  } finally {
    await cp.close()
    await sp.close()
  }
})

test('approvals: the process editor names a bad definition at its path, previews a good one, saves and publishes it', { timeout: 240000 }, async () => {
  const ADMIN = { campusId: `e2a${RUN}a`, name: `学工流程${RUN.slice(-4)}` }
  const CODE = `e2e-ap-${RUN}`
  createAccount(ADMIN, 2, 'XSC', ['staff', 'dept_admin@XSC'], PASSWORD)
  const pc = await openPage(DESKTOP)
  try {
    const a = pc.page
    await login(a, ADMIN, PASSWORD)
    // A service of XSC with a form that has `days`.
    let r = await api(a, 'POST', '/api/v1/admin/catalog/services', {
      code: CODE,
      ownerUnit: 'XSC',
      guide: { name: `流程测试${RUN.slice(-4)}`, nameEn: `E2E process ${RUN}`, categories: ['enrolment'], audience: 'AUDIENCE_STUDENTS', summary: '审批流程编辑测试。', steps: ['网上填写', '审批'], mode: 'HANDLING_MODE_ONLINE' },
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(a, 'POST', `/api/v1/admin/catalog/services/${CODE}:publish`, { version: 1 })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    r = await api(a, 'PUT', `/api/v1/admin/services/${CODE}/form`, {
      form: { title: '请假', fields: [{ key: 'days', label: '请假天数', type: 'FIELD_TYPE_NUMBER', required: true }] },
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))

    // From the form editor's link.
    await a.goto(`${BASE}/#/pages/apply/editor?code=${CODE}`)
    await byId(a, 'form-open-process').click()
    await byId(a, 'process-editor').waitFor({ state: 'visible' })
    await byId(a, 'process-unpublished').waitFor({ state: 'visible' })
    assert.equal(await a.locator('[data-testid="process-version"]').count(), 0)

    const good = {
      steps: [
        { key: 'counselor', name: '辅导员审批', kind: 'APPROVAL', approvers: [{ kind: 'APPLICANT_GROUP', groupCode: 'counselor' }], dueWorkingDays: 2, onDue: 'ESCALATE' },
        {
          key: 'review',
          name: '学院与学工会审',
          kind: 'PARALLEL',
          condition: { field: 'days', op: 'gt', value: '3' },
          branches: [
            { name: '学院', steps: [{ key: 'college_leader', name: '学院领导审批', kind: 'APPROVAL', approvers: [{ kind: 'UNIT_GROUP', unitCode: 'CS', groupCode: 'dept_leader' }], hideOpinions: true }] },
            { name: '学工处', steps: [{ key: 'xsc_check', name: '学工处备案', kind: 'APPROVAL', mode: 'ANY_OF', approvers: [{ kind: 'PERSON', campusId: COUNSELOR_ID }], whenEmpty: 'SKIP' }] },
          ],
        },
        { key: 'notify', name: '抄送辅导员', kind: 'CC', approvers: [{ kind: 'APPLICANT_GROUP', groupCode: 'counselor' }] },
      ],
    }
    const bad = JSON.parse(JSON.stringify(good))
    delete bad.steps[1].branches[0].steps[0].approvers[0].groupCode

    // ---- a bad definition: its problem at its path, marked on its step, nothing stored -----------
    await textareaOf(a, 'process-json').fill(JSON.stringify(bad, null, 2))
    await byId(a, 'process-validate').click()
    const err = a.locator('[data-testid="process-error"][data-path^="process.steps[1].branches[0].steps[0].approvers"]')
    await err.first().waitFor({ state: 'visible' })
    assert.match(await err.first().getAttribute('data-path'), /group_?[cC]ode$/)
    const badStep = a.locator('[data-testid="preview-step"][data-key="college_leader"]')
    await badStep.locator('[data-testid="preview-step-error"]').first().waitFor({ state: 'visible' })
    assert.equal(await a.locator('[data-testid="process-version"]').count(), 0)
    await saveScreenshot(a, 'approvals-process-error-desktop')

    // ---- the good one: valid, previewed in words ------------------------------------------------------
    await textareaOf(a, 'process-json').fill(JSON.stringify(good, null, 2))
    await byId(a, 'process-validate').click()
    await byId(a, 'process-notice').waitFor({ state: 'visible' })
    assert.match(await byId(a, 'process-notice').innerText(), /校验通过/)
    assert.equal(await byId(a, 'process-error').count(), 0)
    const step1 = a.locator('[data-testid="preview-step"][data-key="counselor"]')
    assert.match(await step1.innerText(), /申请人的 .*counselor/)
    assert.match(await step1.innerText(), /单人/)
    assert.match(await step1.innerText(), /2 个工作日内办理/)
    const parallel = a.locator('[data-testid="preview-parallel"][data-key="review"]')
    assert.match(await parallel.innerText(), /并行 · 2 个分支/)
    assert.match(await parallel.innerText(), /当 days > 3/)
    assert.equal(await parallel.locator('[data-testid="preview-branch"]').count(), 2)
    assert.match(await badStep.innerText(), /单位 CS 的 .*dept_leader/)
    assert.match(await badStep.innerText(), /隐藏意见/)
    const xsc = a.locator('[data-testid="preview-step"][data-key="xsc_check"]')
    assert.match(await xsc.innerText(), new RegExp(`指定人员 ${COUNSELOR_ID}`))
    assert.match(await xsc.innerText(), /或签/)
    assert.match(await a.locator('[data-testid="preview-step"][data-key="notify"]').innerText(), /抄送/)
    // The branches sit side by side on a PC.
    const [b1, b2] = await parallel.locator('[data-testid="preview-branch"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top))
    assert.ok(Math.abs(b1 - b2) < 2, `branches not side by side: ${b1} vs ${b2}`)
    await saveScreenshot(a, 'approvals-process-preview-desktop')

    // ---- saved as version 1, then published after the confirmation -------------------------------
    await byId(a, 'process-save').click()
    await a.locator('[data-testid="process-notice"]', { hasText: '已保存为第 1 版' }).waitFor({ state: 'visible' })
    const v1 = a.locator('[data-testid="process-version"][data-version="1"]')
    await v1.waitFor({ state: 'visible' })
    assert.equal(await v1.getAttribute('data-current'), 'false')
    await byId(a, 'process-publish').click()
    const said = await confirmModal(a)
    assert.match(said, /发布第 1 版/)
    assert.match(said, /新提交的申请按第 1 版办理/)
    await a.locator('[data-testid="process-notice"]', { hasText: '已发布第 1 版' }).waitFor({ state: 'visible' })
    assert.equal(await v1.getAttribute('data-current'), 'true')
    assert.match(await v1.locator('[data-testid="process-version-running"]').innerText(), /^0$/)
    await byId(a, 'process-published').waitFor({ state: 'visible' })

    // Shown again as published after a reload.
    await a.reload()
    await byId(a, 'process-published').waitFor({ state: 'visible' })
    const shown = JSON.parse(await textareaOf(a, 'process-json').inputValue())
    assert.deepEqual(shown.steps.map((x) => x.key), ['counselor', 'review', 'notify'])
    assert.deepEqual(pc.pageErrors, [])
  } finally {
    await pc.close()
  }
})
