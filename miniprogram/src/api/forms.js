// Calls of ehall.forms.v1 Forms and FormAdmin (网上申请) as the gateway exposes them over
// HTTP/JSON, with proto3 JSON's defaults filled in (absent fields, enums as names) so pages never
// test for undefined, and the few rules every form page shares: which fields are shown (the
// core's visible_when, evaluated the same way), the error paths of a submission ("data.phone",
// "data.companions[0].who"), and display labels. It must never show UI and never decide whether
// values are valid: the core answers every violation at once and the pages show its words.
import { apiRequest, fieldErrorsOf, newUuid } from './request.js'
import { normBooking } from './booking.js'

export const PAGE_APPLY_FORM = '/pages/apply/form'
export const PAGE_APPLY_MINE = '/pages/apply/mine'
export const PAGE_APPLY_DETAIL = '/pages/apply/detail'
export const PAGE_APPLY_EDITOR = '/pages/apply/editor'

// Limits of forms.proto the pages say before sending (the core checks them again).
export const ATTACHMENT_MAX_BYTES = 512 * 1024
export const WITHDRAW_REASON_MAX = 200
export const DEFAULT_MAX_ROWS = 50
export const DEFAULT_MAX_FILES = 5

export const APPLICATION_STATE_LABELS = {
  APPLICATION_STATE_DRAFT: { zh: '草稿', en: 'Draft' },
  APPLICATION_STATE_SUBMITTED: { zh: '已提交', en: 'Submitted' },
  APPLICATION_STATE_IN_REVIEW: { zh: '审核中', en: 'In review' },
  APPLICATION_STATE_RETURNED: { zh: '退回修改', en: 'Returned for changes' },
  APPLICATION_STATE_APPROVED: { zh: '已通过', en: 'Approved' },
  APPLICATION_STATE_REJECTED: { zh: '未通过', en: 'Rejected' },
  APPLICATION_STATE_WITHDRAWN: { zh: '已撤回', en: 'Withdrawn' },
}

// TimelineEvent.action: the core's words, the approvals' included (core/approvals: a step's
// actions carry its step_name, and the opinion as the note when the step shows it).
export const TIMELINE_LABELS = {
  submitted: { zh: '提交申请', en: 'Submitted' },
  withdrawn: { zh: '撤回申请', en: 'Withdrawn' },
  returned: { zh: '退回修改', en: 'Returned for changes' },
  resubmitted: { zh: '修改后重新提交', en: 'Resubmitted' },
  hold_expired: { zh: '预约保留已过期', en: 'Appointment hold expired' },
  approved: { zh: '审核通过', en: 'Approved' },
  rejected: { zh: '审核未通过', en: 'Rejected' },
  approve: { zh: '审批同意', en: 'Approved a step' },
  reject: { zh: '审批驳回', en: 'Rejected' },
  return: { zh: '退回申请人', en: 'Returned to the applicant' },
  return_to_step: { zh: '退回到之前的步骤', en: 'Returned to an earlier step' },
  transfer: { zh: '转办', en: 'Transferred' },
  add_signer_before: { zh: '前加签', en: 'Signer added before' },
  add_signer_after: { zh: '后加签', en: 'Signer added after' },
  comment: { zh: '评论', en: 'Comment' },
  remind: { zh: '催办', en: 'Reminded' },
  cc: { zh: '抄送', en: 'Copied' },
  routed_to_admins: { zh: '无审批人，转部门管理员', en: 'Routed to the department admins' },
  auto_approved: { zh: '系统自动通过', en: 'Approved automatically' },
  auto_rejected: { zh: '超期自动驳回', en: 'Rejected automatically' },
  skipped: { zh: '跳过（无审批人）', en: 'Skipped' },
  escalated: { zh: '超期，已加入部门管理员', en: 'Escalated' },
}

export const FIELD_TYPE_LABELS = {
  FIELD_TYPE_TEXT: '单行文本',
  FIELD_TYPE_LONG_TEXT: '多行文本',
  FIELD_TYPE_NUMBER: '数字',
  FIELD_TYPE_DATE: '日期',
  FIELD_TYPE_DATETIME: '日期时间',
  FIELD_TYPE_CHOICE: '单选',
  FIELD_TYPE_MULTI_CHOICE: '多选',
  FIELD_TYPE_CHECKBOX: '勾选',
  FIELD_TYPE_PHONE: '电话',
  FIELD_TYPE_EMAIL: '邮箱',
  FIELD_TYPE_ID_NUMBER: '身份证号',
  FIELD_TYPE_TABLE: '表格',
  FIELD_TYPE_FILES: '附件',
}

export function stateLabel(state) {
  return APPLICATION_STATE_LABELS[state] || { zh: '—', en: '' }
}

// A timeline action's label; an action the page does not know yet shows as it is.
export function timelineLabel(action) {
  return TIMELINE_LABELS[action] || { zh: action || '—', en: '' }
}

// ---- normalising proto3 JSON ----------------------------------------------------------------

const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))
const int = (v) => Number(v || 0) || 0
const num = (v) => (typeof v === 'number' ? v : Number(v || 0) || 0)
const list = (v) => (Array.isArray(v) ? v : [])
const obj = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {})
const id = (v) => (str(v) === '0' ? '' : str(v))
const enc = encodeURIComponent

function normOption(o) {
  o = o || {}
  return { value: str(o.value), label: str(o.label), labelEn: str(o.labelEn) }
}

export function normField(f) {
  f = f || {}
  const vw = f.visibleWhen
  return {
    key: str(f.key),
    label: str(f.label),
    labelEn: str(f.labelEn),
    type: f.type || 'FIELD_TYPE_UNSPECIFIED',
    help: str(f.help),
    required: f.required === true,
    hasMin: f.hasMin === true,
    min: num(f.min),
    hasMax: f.hasMax === true,
    max: num(f.max),
    minLength: int(f.minLength),
    maxLength: int(f.maxLength),
    pattern: str(f.pattern),
    patternMessage: str(f.patternMessage),
    options: list(f.options).map(normOption),
    visibleWhen: vw && str(vw.field) ? { field: str(vw.field), values: list(vw.values).map(str) } : null,
    prefill: f.prefill || 'PREFILL_SOURCE_NONE',
    locked: f.locked === true,
    columns: list(f.columns).map(normField),
    maxRows: int(f.maxRows),
    maxFiles: int(f.maxFiles),
    accept: list(f.accept).map(str),
  }
}

export function normForm(d) {
  d = d || {}
  return { title: str(d.title), description: str(d.description), fields: list(d.fields).map(normField) }
}

// `raw` keeps the definition exactly as the server wrote it, for the editor's JSON box.
function normFormVersion(v) {
  v = v || {}
  return {
    serviceCode: str(v.serviceCode),
    version: int(v.version),
    form: normForm(v.form),
    raw: obj(v.form),
    createdAt: str(v.createdAt),
    createdBy: str(v.createdBy),
    runningOnOlder: int(v.runningOnOlder),
  }
}

function normApplyForm(r) {
  r = r || {}
  return {
    serviceCode: str(r.serviceCode),
    serviceName: str(r.serviceName),
    formVersion: int(r.formVersion),
    form: normForm(r.form),
    values: obj(r.values),
    locked: list(r.locked).map(str),
    draftId: id(r.draftId),
    takesAppointments: r.takesAppointments === true,
    draftSavedAt: str(r.draftSavedAt),
  }
}

function normEvent(e) {
  e = e || {}
  return { at: str(e.at), action: str(e.action), actorName: str(e.actorName), note: str(e.note), stepName: str(e.stepName) }
}

export function normApplication(a) {
  a = a || {}
  return {
    id: id(a.id),
    serviceCode: str(a.serviceCode),
    serviceName: str(a.serviceName),
    state: a.state || 'APPLICATION_STATE_UNSPECIFIED',
    formVersion: int(a.formVersion),
    data: obj(a.data),
    createdAt: str(a.createdAt),
    updatedAt: str(a.updatedAt),
    submittedAt: str(a.submittedAt),
    timeline: list(a.timeline).map(normEvent),
    booking: a.booking ? normBooking(a.booking) : null,
    canWithdraw: a.canWithdraw === true,
    serial: str(a.serial),
  }
}

function normAttachment(t) {
  t = t || {}
  return { id: id(t.id), name: str(t.name), contentType: str(t.contentType), size: int(t.size), sha256: str(t.sha256) }
}

// ---- which fields are shown (core/forms/form_rules.c cond_holds / visible_depth) -----------------

function conditionHolds(cond, v) {
  if (Array.isArray(v)) return cond.values.some((x) => v.some((e) => typeof e === 'string' && e === x))
  let text = ''
  if (typeof v === 'string') text = v
  else if (typeof v === 'boolean') text = v ? 'true' : 'false'
  else if (typeof v === 'number') text = String(v)
  if (cond.values.includes(text)) return true
  // A checkbox never set counts as false.
  return (v === undefined || v === null) && cond.values.includes('false')
}

// True when fields[i] is shown for these values: its condition holds and the field it depends
// on is itself shown (a condition on an unknown field hides it).
export function fieldVisible(fields, i, values, depth = 0) {
  const c = fields[i] && fields[i].visibleWhen
  if (!c || !c.field) return true
  const j = fields.findIndex((f) => f.key === c.field)
  if (j < 0 || depth > fields.length) return false
  return fieldVisible(fields, j, values, depth + 1) && conditionHolds(c, values[c.field])
}

// The keys shown for these values, in form order.
export function visibleKeys(fields, values) {
  const out = []
  for (let i = 0; i < fields.length; i++) if (fieldVisible(fields, i, values)) out.push(fields[i].key)
  return out
}

// The values worth sending: those of shown fields that hold something (an empty text, an empty
// list or a blank number is "not answered", which is how the core reads an absent key).
export function valuesToSend(fields, values) {
  const out = {}
  for (const key of visibleKeys(fields, values)) {
    const v = values[key]
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v) && v.length === 0) continue
    out[key] = v
  }
  return out
}

// Field errors of a failed SaveDraft / Submit / Resubmit keyed by the value's path without
// "data." ("phone", "companions[0].who"); a violation on the whole of data is under "".
export function dataErrorsOf(err) {
  const out = {}
  for (const [path, msg] of Object.entries(fieldErrorsOf(err))) {
    if (path === 'data') out[''] = msg
    else if (path.startsWith('data.')) out[path.slice(5)] = msg
  }
  return out
}

// ---- Forms (a signed-in person) ---------------------------------------------------------------------

export async function getApplyForm(serviceCode) {
  return normApplyForm(await apiRequest({ method: 'GET', path: `/api/v1/services/${enc(serviceCode)}/form` }))
}

export async function saveDraft(serviceCode, data) {
  return normApplication(await apiRequest({ method: 'PUT', path: `/api/v1/services/${enc(serviceCode)}/draft`, data: { data } }))
}

export async function discardDraft(serviceCode) {
  await apiRequest({ method: 'DELETE', path: `/api/v1/services/${enc(serviceCode)}/draft` })
}

// One application; the page makes `key` once per form session, so a double tap (or a retry after
// a lost reply) answers the first application instead of making a second one.
export async function submitApplication(serviceCode, data, { slotId = '', key = newUuid() } = {}) {
  const body = { data }
  if (slotId) body.slotId = slotId
  return normApplication(await apiRequest({
    method: 'POST',
    path: `/api/v1/services/${enc(serviceCode)}/applications`,
    data: body,
    headers: { 'idempotency-key': key },
  }))
}

export async function resubmitApplication(appId, data, key = newUuid()) {
  return normApplication(await apiRequest({
    method: 'POST',
    path: `/api/v1/me/applications/${enc(appId)}:resubmit`,
    data: { data },
    headers: { 'idempotency-key': key },
  }))
}

export async function withdrawApplication(appId, reason = '') {
  const data = reason ? { reason } : {}
  return normApplication(await apiRequest({ method: 'POST', path: `/api/v1/me/applications/${enc(appId)}:withdraw`, data }))
}

// { applications, nextPageToken }, newest first (without data and timeline).
export async function listMyApplications({ pageSize = 20, pageToken = '' } = {}) {
  const data = { pageSize }
  if (pageToken) data.pageToken = pageToken
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/me/applications', data })) || {}
  return { applications: list(r.applications).map(normApplication), nextPageToken: str(r.nextPageToken) }
}

export async function getApplication(appId) {
  return normApplication(await apiRequest({ method: 'GET', path: `/api/v1/me/applications/${enc(appId)}` }))
}

// bytesBase64: the file's content as base64 (proto3 JSON's `bytes`).
export async function uploadAttachment(serviceCode, name, contentType, bytesBase64) {
  return normAttachment(await apiRequest({
    method: 'POST',
    path: `/api/v1/services/${enc(serviceCode)}/attachments`,
    data: { name, contentType, data: bytesBase64 },
    timeout: 60000,
  }))
}

// The file's path on the gateway (GetAttachment). H5 links to it directly: the browser sends the
// session cookie with a same-origin GET.
export function attachmentPath(attachmentId) {
  return `/api/v1/me/attachments/${enc(attachmentId)}`
}

// ---- FormAdmin (the owning department's admins) ------------------------------------------------------

export async function adminGetForm(serviceCode) {
  return normFormVersion(await apiRequest({ method: 'GET', path: `/api/v1/admin/services/${enc(serviceCode)}/form` }))
}

// form: a FormDefinition as proto3 JSON (the editor's parsed text, sent as it is).
export async function adminSaveForm(serviceCode, form, { validateOnly = false } = {}) {
  const data = { form }
  if (validateOnly) data.validateOnly = true
  return normFormVersion(await apiRequest({ method: 'PUT', path: `/api/v1/admin/services/${enc(serviceCode)}/form`, data }))
}

// Newest first, without their definitions.
export async function adminListFormVersions(serviceCode) {
  const r = (await apiRequest({ method: 'GET', path: `/api/v1/admin/services/${enc(serviceCode)}/form/versions` })) || {}
  return list(r.versions).map(normFormVersion)
}
