// Calls of ehall.approvals.v1 Approvals and ProcessAdmin (审批) as the gateway exposes them over
// HTTP/JSON, with proto3 JSON's defaults filled in (absent fields, enums as names, the int32
// application state as its forms.v1 name) so pages never test for undefined, and the words every
// approvals page shares: step statuses, task states, actions, modes, and a process definition
// described in plain Chinese for the editor's preview.
// It must never show UI and never decide what a person may do (the server's `allowed`,
// `canRemind` and its errors decide), nor judge a process definition (SaveProcess does).
import { CODE_UNAUTHENTICATED, apiRequest } from './request.js'
import { normForm } from './forms.js'

export const PAGE_APPROVALS_TODO = '/pages/approvals/todo'
export const PAGE_APPROVALS_TASK = '/pages/approvals/task'
export const PAGE_APPROVALS_PROCESS = '/pages/approvals/process'

// Limits of approvals.proto the pages say before sending (the core checks them again).
export const OPINION_MAX = 1000
export const BULK_MAX = 50
export const TASKS_PAGE_SIZE = 20

// Box names of ListTasks.
export const BOX_TODO = 'TODO'
export const BOX_DONE = 'DONE'
export const BOX_CC = 'CC_BOX'

// StepView.status, the server's words.
export const STEP_STATUS_LABELS = {
  active: { zh: '进行中', en: 'In progress' },
  approved: { zh: '已通过', en: 'Approved' },
  rejected: { zh: '已驳回', en: 'Rejected' },
  returned: { zh: '已退回', en: 'Returned' },
  skipped: { zh: '已跳过', en: 'Skipped' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
  cc: { zh: '抄送', en: 'CC' },
  pending: { zh: '未开始', en: 'Not reached' },
}

export const TASK_STATE_LABELS = {
  PENDING: { zh: '待办理', en: 'Pending' },
  WAITING: { zh: '等待加签人', en: 'Waiting' },
  APPROVED: { zh: '已同意', en: 'Approved' },
  REJECTED: { zh: '已驳回', en: 'Rejected' },
  RETURNED: { zh: '已退回', en: 'Returned' },
  TRANSFERRED: { zh: '已转办', en: 'Transferred' },
  CANCELLED: { zh: '无需办理', en: 'Cancelled' },
  CC_UNREAD: { zh: '未读', en: 'Unread' },
  CC_READ: { zh: '已读', en: 'Read' },
}

export const ACTION_LABELS = {
  APPROVE: { zh: '同意', en: 'Approve' },
  REJECT: { zh: '驳回', en: 'Reject' },
  RETURN_TO_APPLICANT: { zh: '退回申请人', en: 'Return to the applicant' },
  RETURN_TO_STEP: { zh: '退回到步骤', en: 'Return to a step' },
  TRANSFER: { zh: '转办', en: 'Transfer' },
  ADD_SIGNER_BEFORE: { zh: '前加签', en: 'Add a signer before' },
  ADD_SIGNER_AFTER: { zh: '后加签', en: 'Add a signer after' },
  COMMENT: { zh: '评论', en: 'Comment' },
}

export const MODE_LABELS = {
  SINGLE: { zh: '单人', en: 'Single' },
  ANY_OF: { zh: '或签', en: 'Any of' },
  ALL_OF: { zh: '会签', en: 'All of' },
  RATIO: { zh: '比例', en: 'Ratio' },
}

export const STEP_KIND_LABELS = {
  APPROVAL: { zh: '审批', en: 'Approval' },
  CC: { zh: '抄送', en: 'CC' },
  PARALLEL: { zh: '并行', en: 'Parallel' },
}

export const WHEN_EMPTY_LABELS = {
  SKIP: '找不到审批人时跳过本步',
  AUTO_APPROVE: '找不到审批人时自动通过',
  DEPARTMENT_ADMIN: '找不到审批人时交给服务所属部门的管理员',
}

export const ON_DUE_LABELS = {
  NOTHING: '到期只标为超期',
  ESCALATE: '到期后加入部门管理员一同办理',
  AUTO_APPROVE_AT_DUE: '到期自动通过',
  AUTO_REJECT_AT_DUE: '到期自动驳回',
}

export const CONDITION_OPS = { eq: '=', ne: '≠', gt: '>', ge: '≥', lt: '<', le: '≤', in: '属于' }

// ehall.forms.v1.ApplicationState by number (Approval.state, Progress.state and
// ActOnTaskReply.application_state are int32 in this package).
const APPLICATION_STATES = [
  'APPLICATION_STATE_UNSPECIFIED',
  'APPLICATION_STATE_DRAFT',
  'APPLICATION_STATE_SUBMITTED',
  'APPLICATION_STATE_IN_REVIEW',
  'APPLICATION_STATE_RETURNED',
  'APPLICATION_STATE_APPROVED',
  'APPLICATION_STATE_REJECTED',
  'APPLICATION_STATE_WITHDRAWN',
]

const label = (table, key) => table[key] || { zh: key || '—', en: '' }
export const stepStatusLabel = (s) => label(STEP_STATUS_LABELS, s)
export const taskStateLabel = (s) => label(TASK_STATE_LABELS, s)
export const actionLabel = (a) => label(ACTION_LABELS, a)

// The state's forms.v1 name from the number (or a name, should the server ever send one).
export function applicationStateName(v) {
  if (typeof v === 'string' && v.startsWith('APPLICATION_STATE_')) return v
  return APPLICATION_STATES[Number(v || 0)] || 'APPLICATION_STATE_UNSPECIFIED'
}

// True when the call failed because the session is gone (401). An action refused for another
// reason — FAILED_PRECONDITION without a field ("already decided") included — is the page's to
// show: api/identity.js authRedirect would read that one as "change your initial password".
export function sessionGone(err) {
  return !!err && (err.status === 401 || err.code === CODE_UNAUTHENTICATED)
}

// "单人", "或签", "会签", "比例 60%".
export function modeText(mode, ratioPercent) {
  if (mode === 'RATIO') return `比例 ${ratioPercent || 0}%`
  return (MODE_LABELS[mode] || MODE_LABELS.SINGLE).zh
}

// ---- normalising proto3 JSON ----------------------------------------------------------------

const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))
const int = (v) => Number(v || 0) || 0
const list = (v) => (Array.isArray(v) ? v : [])
const obj = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {})
const id = (v) => (str(v) === '0' ? '' : str(v))
const enc = encodeURIComponent

export function normTask(t) {
  t = t || {}
  return {
    id: id(t.id),
    applicationId: id(t.applicationId),
    serial: str(t.serial),
    serviceCode: str(t.serviceCode),
    serviceName: str(t.serviceName),
    applicantName: str(t.applicantName),
    applicantCampusId: str(t.applicantCampusId),
    applicantCollege: str(t.applicantCollege),
    stepKey: str(t.stepKey),
    stepName: str(t.stepName),
    state: str(t.state) || 'TASK_STATE_UNSPECIFIED',
    createdAt: str(t.createdAt),
    dueAt: str(t.dueAt),
    overdue: t.overdue === true,
    actingForName: str(t.actingForName),
    decidedAt: str(t.decidedAt),
    opinion: str(t.opinion),
    // Not in approvals.proto's Task: the approver's own name, should the server send it; inside
    // a StepView the server now puts the approver in applicant_name / applicant_campus_id.
    assigneeName: str(t.assigneeName),
  }
}

function normOpinion(o) {
  o = o || {}
  return {
    stepKey: str(o.stepKey),
    stepName: str(o.stepName),
    actorName: str(o.actorName),
    actingForName: str(o.actingForName),
    action: str(o.action) || 'ACTION_UNSPECIFIED',
    opinion: str(o.opinion),
    at: str(o.at),
    targetName: str(o.targetName),
    automatic: o.automatic === true,
  }
}

function normStepView(s) {
  s = s || {}
  return {
    key: str(s.key),
    name: str(s.name),
    nameEn: str(s.nameEn),
    mode: str(s.mode) || 'SINGLE',
    ratioPercent: int(s.ratioPercent),
    status: str(s.status) || 'pending',
    tasks: list(s.tasks).map(normTask),
    dueAt: str(s.dueAt),
    overdue: s.overdue === true,
    branch: str(s.branch),
  }
}

// The form definition that came as JSON text; an empty form when it is absent or unreadable
// (the values then show under their keys).
function formOf(text) {
  if (!text) return normForm({})
  try {
    return normForm(JSON.parse(text))
  } catch (e) {
    return normForm({})
  }
}

function normApproval(a) {
  a = a || {}
  return {
    applicationId: id(a.applicationId),
    serial: str(a.serial),
    serviceCode: str(a.serviceCode),
    serviceName: str(a.serviceName),
    applicantName: str(a.applicantName),
    applicantCampusId: str(a.applicantCampusId),
    applicantCollege: str(a.applicantCollege),
    state: applicationStateName(a.state),
    data: obj(a.data),
    processVersion: int(a.processVersion),
    steps: list(a.steps).map(normStepView),
    opinions: list(a.opinions).map(normOpinion),
    submittedAt: str(a.submittedAt),
    myTaskId: id(a.myTaskId),
    allowed: list(a.allowed).map(str),
    returnTargets: list(a.returnTargets).map(normStepView),
    form: formOf(str(a.formJson)),
  }
}

function normProgress(p) {
  p = p || {}
  return {
    applicationId: id(p.applicationId),
    state: applicationStateName(p.state),
    processVersion: int(p.processVersion),
    steps: list(p.steps).map(normStepView),
    opinions: list(p.opinions).map(normOpinion),
    canRemind: p.canRemind === true,
    remindedAt: str(p.remindedAt),
  }
}

function normVersion(v) {
  v = v || {}
  return {
    version: int(v.version),
    process: obj(v.process),
    createdAt: str(v.createdAt),
    createdByName: str(v.createdByName),
    publishedAt: str(v.publishedAt),
    running: int(v.running),
    current: v.current === true,
  }
}

function normProcessInfo(p) {
  p = p || {}
  return {
    serviceCode: str(p.serviceCode),
    serviceName: str(p.serviceName),
    publishedVersion: int(p.publishedVersion),
    // As the server wrote it, for the editor's JSON box.
    published: obj(p.published),
    versions: list(p.versions).map(normVersion),
    validated: p.validated === true,
  }
}

// ---- Approvals (approvers and applicants) ----------------------------------------------------

// { tasks, nextPageToken, todoCount, overdueCount, doneCount, ccUnreadCount, total }.
export async function listTasks({ box = BOX_TODO, serviceCode = '', collegeCode = '', overdueOnly = false, pageSize = TASKS_PAGE_SIZE, pageToken = '' } = {}) {
  const data = { box, pageSize }
  if (serviceCode) data.serviceCode = serviceCode
  if (collegeCode) data.collegeCode = collegeCode
  if (overdueOnly) data.overdueOnly = true
  if (pageToken) data.pageToken = pageToken
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/me/tasks', data })) || {}
  return {
    tasks: list(r.tasks).map(normTask),
    nextPageToken: str(r.nextPageToken),
    todoCount: int(r.todoCount),
    overdueCount: int(r.overdueCount),
    doneCount: int(r.doneCount),
    ccUnreadCount: int(r.ccUnreadCount),
    total: int(r.total),
  }
}

export async function getApproval(appId) {
  return normApproval(await apiRequest({ method: 'GET', path: `/api/v1/approvals/${enc(appId)}` }))
}

// action: an Action name; opinion required for REJECT and the returns (the core says so at
// "opinion"); targetCampusId for TRANSFER and the added signers; returnToStep a step key.
// → { task, applicationState, nextSteps }.
export async function actOnTask(taskId, { action, opinion = '', targetCampusId = '', returnToStep = '' }) {
  const data = { action }
  if (opinion) data.opinion = opinion
  if (targetCampusId) data.targetCampusId = targetCampusId
  if (returnToStep) data.returnToStep = returnToStep
  const r = (await apiRequest({ method: 'POST', path: `/api/v1/tasks/${enc(taskId)}:act`, data })) || {}
  return {
    task: normTask(r.task),
    applicationState: applicationStateName(r.applicationState),
    nextSteps: list(r.nextSteps).map(str),
  }
}

// → { results: [{ taskId, ok, message }], approved }; one failing does not stop the others.
export async function bulkApprove(taskIds, opinion = '') {
  const data = { taskIds }
  if (opinion) data.opinion = opinion
  const r = (await apiRequest({ method: 'POST', path: '/api/v1/tasks:bulkApprove', data })) || {}
  return {
    results: list(r.results).map((x) => ({ taskId: id(x && x.taskId), ok: !!(x && x.ok === true), message: str(x && x.message) })),
    approved: int(r.approved),
  }
}

export async function getProgress(appId) {
  return normProgress(await apiRequest({ method: 'GET', path: `/api/v1/me/applications/${enc(appId)}/progress` }))
}

// 催办 → the number of approvers reminded; 429 (RESOURCE_EXHAUSTED) when it is too soon.
export async function remind(appId) {
  const r = (await apiRequest({ method: 'POST', path: `/api/v1/me/applications/${enc(appId)}:remind`, data: {} })) || {}
  return int(r.reminded)
}

// ---- ProcessAdmin (the owning department's admins) -------------------------------------------

export async function adminGetProcess(serviceCode) {
  return normProcessInfo(await apiRequest({ method: 'GET', path: `/api/v1/admin/services/${enc(serviceCode)}/process` }))
}

// process: a ProcessDefinition as proto3 JSON (the editor's parsed text, sent as it is).
export async function adminSaveProcess(serviceCode, process, { validateOnly = false } = {}) {
  const data = { process }
  if (validateOnly) data.validateOnly = true
  return normProcessInfo(await apiRequest({ method: 'PUT', path: `/api/v1/admin/services/${enc(serviceCode)}/process`, data }))
}

export async function adminPublishProcess(serviceCode, version) {
  return normProcessInfo(await apiRequest({ method: 'POST', path: `/api/v1/admin/services/${enc(serviceCode)}/process:publish`, data: { version } }))
}

export async function adminGetProcessVersion(serviceCode, version) {
  return normVersion(await apiRequest({ method: 'GET', path: `/api/v1/admin/services/${enc(serviceCode)}/process/versions/${enc(version)}` }))
}

// ---- a definition in words (the editor's preview) --------------------------------------------

// Enum values as the editor's JSON may hold them: a name, or a number as proto3 JSON also
// accepts; `names` lists the names by number.
function enumName(v, names, dflt) {
  if (typeof v === 'number') return names[v] || dflt
  return typeof v === 'string' && v ? v : dflt
}
const KINDS = ['STEP_KIND_UNSPECIFIED', 'APPROVAL', 'CC', 'PARALLEL']
const MODES = ['SINGLE', 'SINGLE', 'ANY_OF', 'ALL_OF', 'RATIO']
const SOURCE_KINDS = ['APPROVER_KIND_UNSPECIFIED', 'APPLICANT_GROUP', 'UNIT_GROUP', 'PERSON', 'FORM_FIELD']
const WHEN_EMPTY = ['DEPARTMENT_ADMIN', 'SKIP', 'AUTO_APPROVE', 'DEPARTMENT_ADMIN']
const ON_DUE = ['NOTHING', 'NOTHING', 'ESCALATE', 'AUTO_APPROVE_AT_DUE', 'AUTO_REJECT_AT_DUE']

// A source both ways the JSON may name its fields (proto3 JSON accepts either).
const pick = (o, camel, snake) => (o[camel] !== undefined ? o[camel] : o[snake])

function sourceOf(s) {
  s = obj(s)
  return {
    kind: enumName(s.kind, SOURCE_KINDS, 'APPROVER_KIND_UNSPECIFIED'),
    groupCode: str(pick(s, 'groupCode', 'group_code')),
    unitCode: str(pick(s, 'unitCode', 'unit_code')),
    campusId: str(pick(s, 'campusId', 'campus_id')),
    field: str(s.field),
  }
}

// A step of the definition for the preview, whatever shape the text has (never throws).
export function describeStep(raw) {
  const s = obj(raw)
  const cond = obj(s.condition)
  const kind = enumName(s.kind, KINDS, 'STEP_KIND_UNSPECIFIED')
  return {
    key: str(s.key),
    name: str(s.name),
    nameEn: str(pick(s, 'nameEn', 'name_en')),
    kind,
    mode: enumName(s.mode, MODES, 'SINGLE'),
    ratioPercent: int(pick(s, 'ratioPercent', 'ratio_percent')),
    approvers: list(s.approvers).map(sourceOf),
    condition: str(cond.field) ? { field: str(cond.field), op: str(cond.op), value: str(cond.value) } : null,
    whenEmpty: enumName(pick(s, 'whenEmpty', 'when_empty'), WHEN_EMPTY, 'DEPARTMENT_ADMIN'),
    dueWorkingDays: int(pick(s, 'dueWorkingDays', 'due_working_days')),
    remindHoursBefore: int(pick(s, 'remindHoursBefore', 'remind_hours_before')),
    onDue: enumName(pick(s, 'onDue', 'on_due'), ON_DUE, 'NOTHING'),
    hideOpinions: pick(s, 'hideOpinions', 'hide_opinions') === true,
    branches: list(s.branches).map((b) => ({ name: str(obj(b).name), steps: list(obj(b).steps).map(describeStep) })),
  }
}

// groups: { code: name } of the approver groups (names are a courtesy); fields: { key: label }
// of the service's form.
export function approverText(src, groups = {}, fields = {}) {
  const group = (code) => (groups[code] ? `${groups[code]}(${code})` : code || '?')
  switch (src.kind) {
    case 'APPLICANT_GROUP': return `申请人的 ${group(src.groupCode)}`
    case 'UNIT_GROUP': return `单位 ${src.unitCode || '?'} 的 ${group(src.groupCode)}`
    case 'PERSON': return `指定人员 ${src.campusId || '?'}`
    case 'FORM_FIELD': return `表单字段 ${src.field || '?'}${fields[src.field] ? `（${fields[src.field]}）` : ''}`
    default: return '未指定来源'
  }
}

// "当 days > 3", with the field's label after it when known: "当 days > 3（请假天数）".
export function conditionText(c, fields = {}) {
  if (!c) return ''
  const t = `当 ${c.field} ${CONDITION_OPS[c.op] || c.op} ${c.value}`
  return fields[c.field] ? `${t}（${fields[c.field]}）` : t
}

// "3 个工作日内办理，到期前 24 小时提醒，到期自动通过"; '' without a due time.
export function dueText(step) {
  if (!step.dueWorkingDays) return ''
  let t = `${step.dueWorkingDays} 个工作日内办理`
  if (step.remindHoursBefore) t += `，到期前 ${step.remindHoursBefore} 小时提醒`
  return `${t}，${ON_DUE_LABELS[step.onDue] || step.onDue}`
}

export function whenEmptyText(step) {
  return WHEN_EMPTY_LABELS[step.whenEmpty] || step.whenEmpty
}

// Where an approver fetches a file attached to the application (GetApprovalAttachment).
export function approvalAttachmentPath(applicationId, attachmentId) {
  return `/api/v1/approvals/${enc(applicationId)}/attachments/${enc(attachmentId)}`
}
