// Calls of ehall.org.v1 (OrgUnits, Groups, Delegations: 组织机构与审批人) as the gateway exposes
// them over HTTP/JSON, with proto3 JSON's defaults filled in (absent fields, int64 as strings,
// enums as their names) so pages never test for undefined. It must never show UI, never log a
// file's contents or a person's name, and never reshape a reply beyond those defaults; labels
// for display are the pages' business (the *_LABELS below are shared by them).
import { apiRequest } from './request.js'

// Limits the core enforces (proto/ehall/org/v1/org.proto), repeated so forms can say them.
export const ORG_CSV_MAX_BYTES = 8 * 1024 * 1024
export const MEMBERS_CSV_MAX_BYTES = 2 * 1024 * 1024
export const DELEGATION_REASON_MAX = 200
export const SCOPES_MAX = 200
export const UNITS_PAGE_SIZE = 100
export const MEMBERS_PAGE_SIZE = 20

export const PAGE_ORG_UNITS = '/pages/org/units'
export const PAGE_ORG_GROUPS = '/pages/org/groups'
export const PAGE_ORG_IMPORT = '/pages/org/import'
export const PAGE_MY_APPROVERS = '/pages/org/approvers'
export const PAGE_DELEGATIONS = '/pages/org/delegations'

export const UNIT_KIND_LABELS = {
  UNIT_KIND_UNIVERSITY: { zh: '学校', en: 'University' },
  UNIT_KIND_COLLEGE: { zh: '学院', en: 'College' },
  UNIT_KIND_DEPARTMENT: { zh: '部门', en: 'Department' },
  UNIT_KIND_MAJOR: { zh: '专业', en: 'Major' },
  UNIT_KIND_CLASS: { zh: '班级', en: 'Class' },
}

export function unitKindLabel(kind) {
  return UNIT_KIND_LABELS[kind] || { zh: '—', en: '' }
}

export const UNIT_CHANGE_LABELS = {
  CHANGE_ADDED: { zh: '新增', en: 'Added' },
  CHANGE_RENAMED: { zh: '改名', en: 'Renamed' },
  CHANGE_MOVED: { zh: '调整上级', en: 'Moved' },
  CHANGE_CLOSED: { zh: '撤销', en: 'Closed' },
  CHANGE_REOPENED: { zh: '恢复', en: 'Reopened' },
}

export const MEMBER_CHANGE_LABELS = {
  CHANGE_ADDED: { zh: '新增', en: 'Added' },
  CHANGE_REMOVED: { zh: '移除', en: 'Removed' },
  CHANGE_SCOPES_CHANGED: { zh: '范围变更', en: 'Scopes changed' },
}

// ---- normalising proto3 JSON ----------------------------------------------------------------

const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))
const int = (v) => Number(v || 0) || 0
const list = (v) => (Array.isArray(v) ? v : [])

function normUnitRef(u) {
  u = u || {}
  return { code: str(u.code), name: str(u.name), kind: u.kind || 'UNIT_KIND_UNSPECIFIED' }
}

function normUnit(u) {
  u = u || {}
  return {
    code: str(u.code),
    name: str(u.name),
    nameEn: str(u.nameEn),
    kind: u.kind || 'UNIT_KIND_UNSPECIFIED',
    parentCode: str(u.parentCode),
    path: list(u.path).map(normUnitRef),
    closed: u.closed === true,
    closeTime: str(u.closeTime),
    childCount: int(u.childCount),
    peopleCount: int(u.peopleCount),
  }
}

function normRowError(e) {
  e = e || {}
  return { line: int(e.line), column: str(e.column), reason: str(e.reason) }
}

function normGroup(g) {
  g = g || {}
  return {
    code: str(g.code),
    name: str(g.name),
    nameEn: str(g.nameEn),
    owner: normUnitRef(g.owner),
    builtin: g.builtin === true,
    memberCount: int(g.memberCount),
    canManage: g.canManage === true,
    description: str(g.description),
  }
}

function normScope(s) {
  s = s || {}
  return { unit: normUnitRef(s.unit), since: str(s.since) }
}

function normMember(m) {
  m = m || {}
  return { campusId: str(m.campusId), name: str(m.name), scopes: list(m.scopes).map(normScope) }
}

function normDelegation(d) {
  d = d || {}
  return {
    id: str(d.id),
    fromCampusId: str(d.fromCampusId),
    fromName: str(d.fromName),
    toCampusId: str(d.toCampusId),
    toName: str(d.toName),
    group: str(d.group),
    groupName: str(d.groupName),
    startDate: str(d.startDate),
    endDate: str(d.endDate),
    reason: str(d.reason),
    active: d.active === true,
    ended: d.ended === true,
    createTime: str(d.createTime),
    endTime: str(d.endTime),
  }
}

const enc = encodeURIComponent

// ---- OrgUnits --------------------------------------------------------------------------------

// GET /api/v1/org/units → { units, nextPageToken }: the children of parentCode ('' = roots),
// or with query every unit whose name or code contains it.
export async function orgListUnits({ parentCode = '', query = '', includeClosed = false, pageToken = '', pageSize = UNITS_PAGE_SIZE } = {}) {
  const data = { pageSize }
  if (parentCode) data.parentCode = parentCode
  if (query) data.query = query
  if (includeClosed) data.includeClosed = true
  if (pageToken) data.pageToken = pageToken
  const r = await apiRequest({ method: 'GET', path: '/api/v1/org/units', data })
  return { units: list(r && r.units).map(normUnit), nextPageToken: str(r && r.nextPageToken) }
}

// GET /api/v1/org/units/{code} → Unit (with its path from the root).
export async function orgGetUnit(code) {
  return normUnit(await apiRequest({ method: 'GET', path: `/api/v1/org/units/${enc(code)}` }))
}

// GET /api/v1/org/units/{code}/admins → [UnitAdmin].
export async function orgListUnitAdmins(code) {
  const r = await apiRequest({ method: 'GET', path: `/api/v1/org/units/${enc(code)}/admins` })
  return list(r && r.admins).map((a) => ({ campusId: str(a.campusId), name: str(a.name), unitCode: str(a.unitCode) }))
}

// POST /api/v1/admin/org:import → OrgImportReport. `csvBase64` is the file as base64 (proto3
// JSON's bytes); apply=false previews, apply=true applies the diff the preview's digest names.
export async function orgImport({ csvBase64, apply = false, expectedDigest = '' }) {
  const data = { csv: csvBase64, apply: apply === true }
  if (expectedDigest) data.expectedDigest = expectedDigest
  const r = (await apiRequest({ method: 'POST', path: '/api/v1/admin/org:import', data, timeout: 60000 })) || {}
  return {
    encoding: str(r.encoding),
    rows: int(r.rows),
    unitChanges: list(r.unitChanges).map((c) => ({
      change: c.change || 'CHANGE_UNSPECIFIED',
      code: str(c.code),
      name: str(c.name),
      oldValue: str(c.oldValue),
      newValue: str(c.newValue),
    })),
    personChanges: list(r.personChanges).map((c) => ({
      campusId: str(c.campusId),
      name: str(c.name),
      oldUnits: list(c.oldUnits).map(str),
      newUnits: list(c.newUnits).map(str),
    })),
    errors: list(r.errors).map(normRowError),
    diffDigest: str(r.diffDigest),
    applied: r.applied === true,
    unitsUnchanged: int(r.unitsUnchanged),
    peopleUnchanged: int(r.peopleUnchanged),
  }
}

// ---- Groups ----------------------------------------------------------------------------------

// GET /api/v1/org/groups → [Group].
export async function orgListGroups({ manageableOnly = false } = {}) {
  const data = manageableOnly ? { manageableOnly: true } : undefined
  const r = await apiRequest({ method: 'GET', path: '/api/v1/org/groups', data })
  return list(r && r.groups).map(normGroup)
}

// GET /api/v1/org/groups/{group}/members → { members, nextPageToken, total }.
export async function orgListMembers(group, { query = '', pageToken = '', pageSize = MEMBERS_PAGE_SIZE } = {}) {
  const data = { pageSize }
  if (query) data.query = query
  if (pageToken) data.pageToken = pageToken
  const r = await apiRequest({ method: 'GET', path: `/api/v1/org/groups/${enc(group)}/members`, data })
  return {
    members: list(r && r.members).map(normMember),
    nextPageToken: str(r && r.nextPageToken),
    total: int(r && r.total),
  }
}

// POST /api/v1/org/groups/{group}/members → Member.
export async function orgAddMember(group, { campusId, scopes }) {
  const r = await apiRequest({
    method: 'POST',
    path: `/api/v1/org/groups/${enc(group)}/members`,
    data: { campusId, scopes },
  })
  return normMember(r)
}

// PUT /api/v1/org/groups/{group}/members/{campusId} → Member.
export async function orgSetMemberScopes(group, campusId, scopes) {
  const r = await apiRequest({
    method: 'PUT',
    path: `/api/v1/org/groups/${enc(group)}/members/${enc(campusId)}`,
    data: { scopes },
  })
  return normMember(r)
}

// DELETE /api/v1/org/groups/{group}/members/{campusId}.
export async function orgRemoveMember(group, campusId) {
  await apiRequest({ method: 'DELETE', path: `/api/v1/org/groups/${enc(group)}/members/${enc(campusId)}` })
}

// POST /api/v1/org/groups/{group}/members:import → MembersImportReport.
export async function orgImportMembers(group, { csvBase64, apply = false, expectedDigest = '' }) {
  const data = { csv: csvBase64, apply: apply === true }
  if (expectedDigest) data.expectedDigest = expectedDigest
  const r =
    (await apiRequest({
      method: 'POST',
      path: `/api/v1/org/groups/${enc(group)}/members:import`,
      data,
      timeout: 60000,
    })) || {}
  return {
    encoding: str(r.encoding),
    rows: int(r.rows),
    changes: list(r.changes).map((c) => ({
      change: c.change || 'CHANGE_UNSPECIFIED',
      campusId: str(c.campusId),
      name: str(c.name),
      oldScopes: list(c.oldScopes).map(str),
      newScopes: list(c.newScopes).map(str),
    })),
    unchanged: int(r.unchanged),
    errors: list(r.errors).map(normRowError),
    diffDigest: str(r.diffDigest),
    applied: r.applied === true,
  }
}

// GET /api/v1/org/groups/{group}/members:export → { filename, csvBase64 }.
export async function orgExportMembers(group) {
  const r = await apiRequest({ method: 'GET', path: `/api/v1/org/groups/${enc(group)}/members:export` })
  return { filename: str(r && r.filename) || `${group}.csv`, csvBase64: str(r && r.csv) }
}

// GET /api/v1/org/members/{campusId}/scopes → { campusId, name, groups: [{ group, scopes }] }.
export async function orgListMemberScopes(campusId = 'me') {
  const r = (await apiRequest({ method: 'GET', path: `/api/v1/org/members/${enc(campusId)}/scopes` })) || {}
  return {
    campusId: str(r.campusId),
    name: str(r.name),
    groups: list(r.groups).map((g) => ({ group: normGroup(g.group), scopes: list(g.scopes).map(normScope) })),
  }
}

// GET /api/v1/me/approvers → [{ groupCode, groupName, groupNameEn, people: [{ name, actingFor }] }].
export async function orgGetMyApprovers() {
  const r = await apiRequest({ method: 'GET', path: '/api/v1/me/approvers' })
  return list(r && r.approvers).map((a) => {
    const names = list(a.names).map(str)
    const acting = list(a.actingFor).map(str)
    return {
      groupCode: str(a.groupCode),
      groupName: str(a.groupName),
      groupNameEn: str(a.groupNameEn),
      people: names.map((name, i) => ({ name, actingFor: acting[i] || '' })),
    }
  })
}

// ---- Delegations -----------------------------------------------------------------------------

// GET /api/v1/me/delegations → { given, received }.
export async function orgListDelegations({ includePast = false } = {}) {
  const data = includePast ? { includePast: true } : undefined
  const r = await apiRequest({ method: 'GET', path: '/api/v1/me/delegations', data })
  return {
    given: list(r && r.given).map(normDelegation),
    received: list(r && r.received).map(normDelegation),
  }
}

// POST /api/v1/me/delegations → Delegation.
export async function orgCreateDelegation({ toCampusId, group = '', startDate, endDate, reason = '' }) {
  const data = { toCampusId, startDate, endDate, reason }
  if (group) data.group = group
  return normDelegation(await apiRequest({ method: 'POST', path: '/api/v1/me/delegations', data }))
}

// POST /api/v1/me/delegations/{id}:end → Delegation.
export async function orgEndDelegation(id) {
  return normDelegation(
    await apiRequest({ method: 'POST', path: `/api/v1/me/delegations/${enc(id)}:end`, data: {} }),
  )
}

// ---- what pages share ------------------------------------------------------------------------

// Today in Asia/Shanghai as YYYY-MM-DD (delegation dates are calendar days there), computed
// without Intl: UTC+8 has no daylight saving.
export function shanghaiToday(offsetDays = 0) {
  const d = new Date(Date.now() + 8 * 3600 * 1000 + offsetDays * 86400 * 1000)
  const p = (n) => (n < 10 ? `0${n}` : `${n}`)
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`
}

// Unit codes typed by a person: split on spaces, commas and semicolons (ASCII or full width),
// duplicates dropped, order kept.
export function parseScopeCodes(text) {
  const out = []
  for (const c of str(text).split(/[\s,;，；、]+/)) {
    if (c && !out.includes(c)) out.push(c)
  }
  return out
}

// Base64 of bytes (an ArrayBuffer or Uint8Array) without btoa on binary strings of unknown
// length or Buffer, so it works in the browser and the mini-program alike.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
export function bytesToBase64(buf) {
  const b = buf instanceof Uint8Array ? buf : new Uint8Array(buf)
  let out = ''
  let i = 0
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2]
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63]
  }
  if (i < b.length) {
    const n = (b[i] << 16) | ((i + 1 < b.length ? b[i + 1] : 0) << 8)
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63]
    out += i + 1 < b.length ? B64[(n >> 6) & 63] : '='
    out += '='
  }
  return out
}

export function base64ToBytes(text) {
  const s = str(text).replace(/[^A-Za-z0-9+/_-]/g, '').replace(/-/g, '+').replace(/_/g, '/')
  const out = new Uint8Array(Math.floor((s.length * 3) / 4))
  let n = 0
  let bits = 0
  let acc = 0
  for (const ch of s) {
    acc = (acc << 6) | B64.indexOf(ch)
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[n++] = (acc >> bits) & 0xff
    }
  }
  return out.slice(0, n)
}

// Which org pages to offer an account (home and 我的账号): every signed-in person has approvers;
// staff delegate and browse the tree; department and hall admins keep groups; hall admins and
// HR's admins import HR data (the core checks each call again; this only hides dead ends).
export const HR_UNIT = 'HR'
export function orgLinks(account) {
  const roles = (account && account.roles) || []
  const has = (name, unit) => roles.some((r) => r.name === name && (unit === undefined || r.orgUnit === unit))
  const hall = has('hall_admin')
  return {
    approvers: !!account,
    staff: !!account && (account.kind === 'ACCOUNT_KIND_STAFF' || hall || has('dept_admin')),
    groups: hall || has('dept_admin'),
    hr: hall || has('dept_admin', HR_UNIT),
  }
}
