// Calls of ehall.catalog.v1 (Catalog, MyServices, CatalogAdmin: 服务目录与办事指南) as the gateway
// exposes them over HTTP/JSON, with proto3 JSON's defaults filled in (absent fields, int64 as
// strings, enums as names) so pages never test for undefined. It must never show UI and never
// reshape a reply beyond those defaults; display labels are shared below for the pages.
import { apiRequest } from './request.js'

// Limits the core enforces (proto/ehall/catalog/v1/catalog.proto), repeated so forms say them.
export const GUIDE_LIMITS = {
  name: 64,
  nameEn: 128,
  summary: 500,
  conditions: 4000,
  fees: 4000,
  step: 500,
  steps: 30,
  materials: 50,
  locations: 10,
  hours: 14,
  links: 20,
  templates: 20,
  keywords: 20,
  keyword: 32,
  query: 64,
  reason: 200,
  templateBytes: 512 * 1024,
}

export const PAGE_CATALOG_HOME = '/pages/catalog/home'
export const PAGE_CATALOG_SEARCH = '/pages/catalog/search'
export const PAGE_CATALOG_SERVICE = '/pages/catalog/service'
export const PAGE_CATALOG_MINE = '/pages/catalog/mine'
export const PAGE_CATALOG_ADMIN = '/pages/catalog/admin'
export const PAGE_CATALOG_EDITOR = '/pages/catalog/editor'

export const AUDIENCE_LABELS = {
  AUDIENCE_EVERYONE: { zh: '全体师生', en: 'Everyone' },
  AUDIENCE_STUDENTS: { zh: '学生', en: 'Students' },
  AUDIENCE_STAFF: { zh: '教职工', en: 'Staff' },
}

export const MODE_LABELS = {
  HANDLING_MODE_ONLINE: { zh: '网上办理', en: 'Online' },
  HANDLING_MODE_OFFLINE: { zh: '线下办理', en: 'In person' },
  HANDLING_MODE_BOOKING: { zh: '预约办理', en: 'By appointment' },
  HANDLING_MODE_BOTH: { zh: '网上申请 + 预约', en: 'Online + appointment' },
}

export const STATE_LABELS = {
  SERVICE_STATE_DRAFT: { zh: '未发布', en: 'Draft' },
  SERVICE_STATE_PUBLISHED: { zh: '已发布', en: 'Published' },
  SERVICE_STATE_UNPUBLISHED: { zh: '已下线', en: 'Unpublished' },
}

export const VERSION_STATE_LABELS = {
  VERSION_STATE_DRAFT: { zh: '草稿', en: 'Draft' },
  VERSION_STATE_PUBLISHED: { zh: '发布中', en: 'Published' },
  VERSION_STATE_SUPERSEDED: { zh: '历史版本', en: 'Superseded' },
  VERSION_STATE_DISCARDED: { zh: '已放弃', en: 'Discarded' },
}

export const MATCH_LABELS = {
  name: '名称',
  name_prefix: '名称开头',
  name_substring: '名称包含',
  keyword: '关键词',
  pinyin: '拼音',
  pinyin_initials: '拼音首字母',
  fuzzy: '相近',
}

export const WEEKDAY_LABELS = ['', '一', '二', '三', '四', '五', '六', '日']

export function label(map, key) {
  return map[key] || { zh: '—', en: '' }
}

// ---- normalising proto3 JSON ----------------------------------------------------------------

const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))
const int = (v) => Number(v || 0) || 0
const list = (v) => (Array.isArray(v) ? v : [])

export function normGuide(g) {
  g = g || {}
  return {
    name: str(g.name),
    nameEn: str(g.nameEn),
    categories: list(g.categories).map(str),
    themes: list(g.themes).map(str),
    audience: g.audience || 'AUDIENCE_EVERYONE',
    audienceUnits: list(g.audienceUnits).map(str),
    summary: str(g.summary),
    conditions: str(g.conditions),
    materials: list(g.materials).map((m) => ({
      name: str(m.name),
      copies: int(m.copies),
      required: m.required === true,
      note: str(m.note),
    })),
    steps: list(g.steps).map(str),
    timeLimitWorkdays: int(g.timeLimitWorkdays),
    timeLimitNote: str(g.timeLimitNote),
    fees: str(g.fees),
    locations: list(g.locations).map((l) => ({
      campus: str(l.campus),
      place: str(l.place),
      note: str(l.note),
      hours: list(l.hours).map((h) => ({
        weekdays: list(h.weekdays).map(int),
        open: str(h.open),
        close: str(h.close),
        note: str(h.note),
      })),
    })),
    contactPhone: str(g.contactPhone),
    links: list(g.links).map((l) => ({ title: str(l.title), url: str(l.url) })),
    mode: g.mode || 'HANDLING_MODE_OFFLINE',
    templates: list(g.templates).map((t) => ({
      fileId: str(t.fileId),
      name: str(t.name),
      contentType: str(t.contentType),
      size: int(t.size),
      downloadUrl: str(t.downloadUrl),
    })),
    keywords: list(g.keywords).map(str),
  }
}

// The guide as the API takes it: output-only template fields dropped, empty rows removed.
export function guideForApi(g) {
  return {
    ...g,
    materials: g.materials.filter((m) => m.name.trim() || m.note.trim()),
    steps: g.steps.filter((s) => s.trim()),
    keywords: g.keywords.filter((k) => k.trim()),
    links: g.links.filter((l) => l.title.trim() || l.url.trim()),
    templates: g.templates.map((t) => ({ fileId: t.fileId, name: t.name })),
  }
}

function normSummary(s) {
  s = s || {}
  return {
    code: str(s.code),
    name: str(s.name),
    nameEn: str(s.nameEn),
    summary: str(s.summary),
    categories: list(s.categories).map(str),
    ownerUnit: str(s.ownerUnit),
    ownerUnitName: str(s.ownerUnitName),
    mode: s.mode || 'HANDLING_MODE_OFFLINE',
    audience: s.audience || 'AUDIENCE_EVERYONE',
    timeLimitWorkdays: int(s.timeLimitWorkdays),
    publishedAt: str(s.publishedAt),
    views: int(s.views),
    matchedBy: str(s.matchedBy),
  }
}

function normCategory(c) {
  c = c || {}
  return {
    code: str(c.code),
    kind: c.kind || 'CATEGORY_KIND_CATEGORY',
    name: str(c.name),
    nameEn: str(c.nameEn),
    icon: str(c.icon),
    serviceCount: int(c.serviceCount),
  }
}

function normDepartment(d) {
  d = d || {}
  return { unit: str(d.unit), name: str(d.name), nameEn: str(d.nameEn), serviceCount: int(d.serviceCount) }
}

function normManaged(m) {
  m = m || {}
  return {
    code: str(m.code),
    ownerUnit: str(m.ownerUnit),
    ownerUnitName: str(m.ownerUnitName),
    state: m.state || 'SERVICE_STATE_DRAFT',
    publishedVersion: int(m.publishedVersion),
    draftVersion: int(m.draftVersion),
    name: str(m.name),
    updatedAt: str(m.updatedAt),
    publishedAt: str(m.publishedAt),
    draft: m.draft ? normGuide(m.draft) : null,
  }
}

function normVersion(v) {
  v = v || {}
  return {
    code: str(v.code),
    version: int(v.version),
    state: v.state || 'VERSION_STATE_DRAFT',
    guide: v.guide ? normGuide(v.guide) : null,
    createdBy: str(v.createdBy),
    createdByName: str(v.createdByName),
    createdAt: str(v.createdAt),
    updatedBy: str(v.updatedBy),
    updatedAt: str(v.updatedAt),
    publishedBy: str(v.publishedBy),
    publishedAt: str(v.publishedAt),
    retiredAt: str(v.retiredAt),
  }
}

const enc = encodeURIComponent

// ---- Catalog (public) -----------------------------------------------------------------------------

export async function catalogHome() {
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/catalog/home' })) || {}
  return {
    categories: list(r.categories).map(normCategory),
    themes: list(r.themes).map(normCategory),
    departments: list(r.departments).map(normDepartment),
    hot: list(r.hot).map(normSummary),
    latest: list(r.latest).map(normSummary),
    favourites: list(r.favourites).map(normSummary),
    recent: list(r.recent).map(normSummary),
    serviceCount: int(r.serviceCount),
  }
}

export async function catalogCategories() {
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/catalog/categories' })) || {}
  return {
    categories: list(r.categories).map(normCategory),
    themes: list(r.themes).map(normCategory),
    departments: list(r.departments).map(normDepartment),
  }
}

// filters: { query, category, theme, department, audience, mode, sort, pageSize, pageToken }
export async function catalogSearch(filters = {}) {
  const data = {}
  for (const [k, v] of Object.entries(filters)) if (v !== '' && v !== undefined && v !== null) data[k] = v
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/catalog/services', data })) || {}
  return {
    services: list(r.services).map(normSummary),
    nextPageToken: str(r.nextPageToken),
    total: int(r.total),
  }
}

export async function catalogService(code) {
  const r = (await apiRequest({ method: 'GET', path: `/api/v1/catalog/services/${enc(code)}` })) || {}
  return {
    code: str(r.code),
    ownerUnit: str(r.ownerUnit),
    ownerUnitName: str(r.ownerUnitName),
    version: int(r.version),
    guide: normGuide(r.guide),
    publishedAt: str(r.publishedAt),
    favourite: r.favourite === true,
    canEdit: r.canEdit === true,
    views: int(r.views),
  }
}

export async function catalogRecordView(code) {
  const r = (await apiRequest({ method: 'POST', path: `/api/v1/catalog/services/${enc(code)}:view`, data: {} })) || {}
  return int(r.views)
}

// ---- MyServices ---------------------------------------------------------------------------------------

export async function myFavourites() {
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/me/favourites' })) || {}
  return list(r.services).map(normSummary)
}

export async function myRecent() {
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/me/recent-services' })) || {}
  return list(r.services).map(normSummary)
}

export async function setFavourite(code, on) {
  const path = `/api/v1/me/favourites/${enc(code)}`
  const r = (await apiRequest(on ? { method: 'PUT', path, data: {} } : { method: 'DELETE', path })) || {}
  return r.favourite === true
}

// ---- CatalogAdmin ---------------------------------------------------------------------------------------

export async function adminListServices({ department = '', query = '', pageToken = '' } = {}) {
  const data = { pageSize: 100 }
  if (department) data.department = department
  if (query) data.query = query
  if (pageToken) data.pageToken = pageToken
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/admin/catalog/services', data })) || {}
  return { services: list(r.services).map(normManaged), nextPageToken: str(r.nextPageToken) }
}

export async function adminCreateService(code, ownerUnit, guide) {
  return normManaged(await apiRequest({
    method: 'POST',
    path: '/api/v1/admin/catalog/services',
    data: { code, ownerUnit, guide: guideForApi(guide) },
  }))
}

export async function adminSaveDraft(code, guide, expectedDraftVersion) {
  return normManaged(await apiRequest({
    method: 'PUT',
    path: `/api/v1/admin/catalog/services/${enc(code)}/draft`,
    data: { guide: guideForApi(guide), expectedDraftVersion: expectedDraftVersion || 0 },
  }))
}

export async function adminDiscardDraft(code) {
  return normManaged(await apiRequest({ method: 'DELETE', path: `/api/v1/admin/catalog/services/${enc(code)}/draft` }))
}

export async function adminPublish(code, version) {
  return normManaged(await apiRequest({
    method: 'POST',
    path: `/api/v1/admin/catalog/services/${enc(code)}:publish`,
    data: { version },
  }))
}

export async function adminUnpublish(code, reason) {
  return normManaged(await apiRequest({
    method: 'POST',
    path: `/api/v1/admin/catalog/services/${enc(code)}:unpublish`,
    data: { reason },
  }))
}

export async function adminVersions(code) {
  const r = (await apiRequest({ method: 'GET', path: `/api/v1/admin/catalog/services/${enc(code)}/versions` })) || {}
  return list(r.versions).map(normVersion)
}

export async function adminVersion(code, version) {
  return normVersion(await apiRequest({
    method: 'GET',
    path: `/api/v1/admin/catalog/services/${enc(code)}/versions/${int(version)}`,
  }))
}

export async function adminDiff(code, from, to) {
  const r = (await apiRequest({
    method: 'GET',
    path: `/api/v1/admin/catalog/services/${enc(code)}/diff`,
    data: { from, to },
  })) || {}
  return list(r.changes).map((c) => ({
    field: str(c.field),
    label: str(c.label),
    before: str(c.before),
    after: str(c.after),
    lines: list(c.lines).map((l) => ({ op: l.op || 'OP_SAME', text: str(l.text) })),
  }))
}

// base64 of an ArrayBuffer (the JSON mapping of proto bytes), without btoa (not in mp-weixin).
export function bytesToBase64(buf) {
  const b = new Uint8Array(buf)
  const t = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  let out = ''
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0)
    out += t[(n >> 18) & 63] + t[(n >> 12) & 63]
    out += i + 1 < b.length ? t[(n >> 6) & 63] : '='
    out += i + 2 < b.length ? t[n & 63] : '='
  }
  return out
}

export async function adminUploadTemplate(ownerUnit, name, arrayBuffer) {
  const r = (await apiRequest({
    method: 'POST',
    path: '/api/v1/admin/catalog/templates',
    data: { ownerUnit, name, content: bytesToBase64(arrayBuffer) },
    timeout: 60000,
  })) || {}
  return { fileId: str(r.fileId), name: str(r.name), contentType: str(r.contentType), size: int(r.size), downloadUrl: str(r.downloadUrl) }
}

// An empty guide for a new service.
export function emptyGuide() {
  return normGuide({
    audience: 'AUDIENCE_EVERYONE',
    mode: 'HANDLING_MODE_ONLINE',
    steps: [''],
    materials: [],
    locations: [],
  })
}
