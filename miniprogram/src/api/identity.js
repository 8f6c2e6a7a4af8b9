// Calls of ehall.identity.v1 (Auth, Accounts) as the gateway exposes them over HTTP/JSON, and
// the few decisions every identity page shares: where an auth failure sends the user, and how
// the session token of a LoginReply is kept (api/request.js). It must never show UI, never log
// or store a password, a code or a reset token, and never reshape replies beyond proto3 JSON's
// own defaults (absent fields, int64 as strings).
import {
  apiRequest,
  CODE_FAILED_PRECONDITION,
  CODE_UNAUTHENTICATED,
  fieldErrorsOf,
  sessionMayExist,
  sessionTokenClear,
  sessionTokenSave,
} from './request.js'

// Limits the core enforces (core/identity/password.h, identity.proto), repeated so forms can
// say them before sending.
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 128
export const CAMPUS_ID_MAX = 32
export const EMAIL_MAX = 254
export const EMAIL_CODE_LEN = 6
// Seconds before another email code may be asked for (the button counts down).
export const EMAIL_CODE_RESEND_S = 60

// The checks of a new password a form can make before sending (the core repeats them and adds
// the rest, common passwords included): { newPassword?, confirmPassword? } messages, {} if none.
// `campusId` is the account's own id when the page knows it.
export function newPasswordErrors(newPassword, confirmPassword, campusId = '') {
  const out = {}
  if (Array.from(newPassword).length < PASSWORD_MIN) out.newPassword = `新密码至少 ${PASSWORD_MIN} 个字符`
  else if (campusId && newPassword === campusId) out.newPassword = '新密码不能与学号/工号相同'
  if (confirmPassword !== newPassword) out.confirmPassword = '两次输入的新密码不一致'
  return out
}

export const PAGE_LOGIN = '/pages/auth/login'
export const PAGE_CHANGE_PASSWORD = '/pages/auth/change-password'
export const PAGE_BIND_EMAIL = '/pages/auth/bind-email'
export const PAGE_FORGOT = '/pages/auth/forgot'
export const PAGE_ME = '/pages/me/me'
export const PAGE_SESSIONS = '/pages/me/sessions'
export const PAGE_HOME = '/pages/index/index'

const KIND_LABELS = {
  ACCOUNT_KIND_STUDENT: { zh: '学生', en: 'Student' },
  ACCOUNT_KIND_STAFF: { zh: '教职工', en: 'Staff' },
}
const STATUS_LABELS = {
  ACCOUNT_STATUS_ACTIVE: { zh: '正常', en: 'Active' },
  ACCOUNT_STATUS_LOCKED: { zh: '锁定', en: 'Locked' },
  ACCOUNT_STATUS_DISABLED: { zh: '停用', en: 'Disabled' },
  ACCOUNT_STATUS_GRADUATED: { zh: '已毕业', en: 'Graduated' },
}
const ROLE_LABELS = {
  student: { zh: '学生', en: 'Student' },
  staff: { zh: '教职工', en: 'Staff' },
  dept_admin: { zh: '部门管理员', en: 'Department admin' },
  hall_admin: { zh: '大厅管理员', en: 'Hall admin' },
}

export function kindLabel(kind) {
  return KIND_LABELS[kind] || { zh: '—', en: '' }
}

export function statusLabel(status) {
  return STATUS_LABELS[status] || { zh: '—', en: '' }
}

export function roleLabel(role) {
  const l = ROLE_LABELS[role.name] || { zh: role.name, en: '' }
  return role.orgUnit ? { zh: `${l.zh}（${role.orgUnit}）`, en: `${l.en} (${role.orgUnit})` } : l
}

// "web" (30 minutes idle) on H5, "mp" (7 days idle) in the mini-program.
export function clientKind() {
  // #ifdef H5
  return 'web'
  // #endif
  // #ifndef H5
  return 'mp'
  // #endif
}

// A short device label for the sessions list ("Chrome · Android", "微信小程序 iPhone 15"): what
// a person recognises as their own device, where a raw User-Agent would be a wall of text.
export function deviceLabel() {
  // #ifdef H5
  return browserLabel(typeof navigator !== 'undefined' ? navigator.userAgent || '' : '')
  // #endif
  // #ifndef H5
  try {
    const info = uni.getSystemInfoSync()
    return `微信小程序 ${info.brand || ''} ${info.model || ''}`.replace(/\s+/g, ' ').trim().slice(0, 100)
  } catch (e) {
    return '微信小程序'
  }
  // #endif
}

// Browser and system of a User-Agent, first match wins (Edge and WeChat also say "Chrome").
export function browserLabel(ua) {
  const browsers = [
    [/MicroMessenger/i, '微信'],
    [/Edg(e|A|iOS)?\//, 'Edge'],
    [/Firefox\/|FxiOS\//, 'Firefox'],
    [/Chrome\/|CriOS\//, 'Chrome'],
    [/Safari\//, 'Safari'],
  ]
  const systems = [
    [/iPhone|iPad|iPod/, 'iOS'],
    [/Android/, 'Android'],
    [/HarmonyOS/, 'HarmonyOS'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/Linux/, 'Linux'],
  ]
  const pick = (list) => (list.find(([re]) => re.test(ua)) || [null, ''])[1]
  const label = [pick(browsers) || '浏览器', pick(systems)].filter(Boolean).join(' · ')
  return label.slice(0, 100)
}

function normAccount(a) {
  a = a || {}
  return {
    campusId: a.campusId || '',
    name: a.name || '',
    kind: a.kind || 'ACCOUNT_KIND_UNSPECIFIED',
    orgUnit: a.orgUnit || '',
    email: a.email || '',
    phone: a.phone || '',
    status: a.status || 'ACCOUNT_STATUS_UNSPECIFIED',
    roles: (a.roles || []).map((r) => ({ name: (r && r.name) || '', orgUnit: (r && r.orgUnit) || '' })),
    mustChangePassword: a.mustChangePassword === true,
    wechatBound: a.wechatBound === true,
    createTime: a.createTime || '',
    lastLoginTime: a.lastLoginTime || '',
    passwordChangeTime: a.passwordChangeTime || '',
  }
}

// A LoginReply with its defaults filled in; the token is kept (mini-program) and removed from
// the returned object, so no page ever holds it.
function takeLoginReply(r) {
  r = r || {}
  if (r.token) sessionTokenSave(r.token)
  return {
    expireTime: r.expireTime || '',
    mustChangePassword: r.mustChangePassword === true,
    account: r.account ? normAccount(r.account) : null,
    bindRequired: r.bindRequired === true,
    bindTicket: r.bindTicket || '',
  }
}

// ---- Auth ------------------------------------------------------------------------------------

// POST /api/v1/auth/login. Any stored token is dropped first: a new login is a new session,
// and a stale token must not be sent along with it.
export async function authLogin({ campusId, password }) {
  sessionTokenClear()
  const r = await apiRequest({
    method: 'POST',
    path: '/api/v1/auth/login',
    data: { campusId, password, device: deviceLabel(), client: clientKind() },
  })
  return takeLoginReply(r)
}

// POST /api/v1/auth/logout. The local token goes whatever the server answers: the user asked to
// be logged out, and an already-ended session is logged out too.
export async function authLogout() {
  try {
    await apiRequest({ method: 'POST', path: '/api/v1/auth/logout', data: {} })
  } catch (e) {
    if (!(e && e.code === CODE_UNAUTHENTICATED)) {
      sessionTokenClear()
      throw e
    }
  }
  sessionTokenClear()
}

// POST /api/v1/auth/wechat/login with the code of wx.login (mini-program only).
export async function authWechatLogin(code) {
  sessionTokenClear()
  const r = await apiRequest({
    method: 'POST',
    path: '/api/v1/auth/wechat/login',
    data: { code, device: deviceLabel() },
  })
  return takeLoginReply(r)
}

// POST /api/v1/auth/wechat/bind: binds the WeChat user of the ticket and logs in.
export async function authWechatBind({ bindTicket, campusId, password }) {
  const r = await apiRequest({
    method: 'POST',
    path: '/api/v1/auth/wechat/bind',
    data: { bindTicket, campusId, password, device: deviceLabel() },
  })
  return takeLoginReply(r)
}

// POST /api/v1/auth/password-reset → the neutral message (same whether the account exists).
export async function authRequestPasswordReset(login) {
  const r = await apiRequest({ method: 'POST', path: '/api/v1/auth/password-reset', data: { login } })
  return { message: (r && r.message) || '' }
}

// POST /api/v1/auth/password-reset:check → { state: 'valid'|'used'|'expired'|'invalid', message, campusIdHint }.
export async function authCheckPasswordReset(token) {
  const r = await apiRequest({ method: 'POST', path: '/api/v1/auth/password-reset:check', data: { token } })
  const states = {
    RESET_TOKEN_STATE_VALID: 'valid',
    RESET_TOKEN_STATE_USED: 'used',
    RESET_TOKEN_STATE_EXPIRED: 'expired',
  }
  return {
    state: states[r && r.state] || 'invalid',
    message: (r && r.message) || '',
    campusIdHint: (r && r.campusIdHint) || '',
  }
}

// POST /api/v1/auth/password-reset:confirm. Every session of the account ends, this client's
// too, so a stored token is dropped.
export async function authResetPassword({ token, newPassword }) {
  const r = await apiRequest({
    method: 'POST',
    path: '/api/v1/auth/password-reset:confirm',
    data: { token, newPassword },
  })
  sessionTokenClear()
  return { message: (r && r.message) || '' }
}

// ---- Accounts (the caller's own) -------------------------------------------------------------

// GET /api/v1/me → Account.
export async function meGet() {
  return normAccount(await apiRequest({ method: 'GET', path: '/api/v1/me' }))
}

// GET /api/v1/me, or null when nobody is logged in (no token in the mini-program, or 401).
// Other failures are thrown: "not logged in" must not be guessed from a network error.
export async function meGetOrNull() {
  if (!sessionMayExist()) return null
  try {
    return await meGet()
  } catch (e) {
    if (e && e.code === CODE_UNAUTHENTICATED) {
      sessionTokenClear()
      return null
    }
    throw e
  }
}

// POST /api/v1/me/password → a new session (the old token stops working).
export async function meChangePassword({ oldPassword, newPassword }) {
  const r = await apiRequest({
    method: 'POST',
    path: '/api/v1/me/password',
    data: { oldPassword, newPassword, device: deviceLabel(), client: clientKind() },
  })
  return takeLoginReply(r)
}

// POST /api/v1/me/email:sendCode → { emailHint, expireTime }.
export async function meSendEmailCode(email) {
  const r = await apiRequest({ method: 'POST', path: '/api/v1/me/email:sendCode', data: { email } })
  return { emailHint: (r && r.emailHint) || '', expireTime: (r && r.expireTime) || '' }
}

// POST /api/v1/me/email → the account with its new email.
export async function meBindEmail({ email, code }) {
  return normAccount(await apiRequest({ method: 'POST', path: '/api/v1/me/email', data: { email, code } }))
}

// POST /api/v1/me/wechat:unbind → the account.
export async function meUnbindWechat() {
  return normAccount(await apiRequest({ method: 'POST', path: '/api/v1/me/wechat:unbind', data: {} }))
}

// GET /api/v1/me/sessions → [Session], newest first.
export async function meListSessions() {
  const r = await apiRequest({ method: 'GET', path: '/api/v1/me/sessions' })
  return ((r && r.sessions) || []).map((s) => ({
    sessionId: s.sessionId || '',
    device: s.device || '',
    ip: s.ip || '',
    client: s.client || '',
    createTime: s.createTime || '',
    lastSeenTime: s.lastSeenTime || '',
    expireTime: s.expireTime || '',
    current: s.current === true,
  }))
}

// DELETE /api/v1/me/sessions/{sessionId} → how many ended.
export async function meEndSession(sessionId) {
  const r = await apiRequest({
    method: 'DELETE',
    path: `/api/v1/me/sessions/${encodeURIComponent(sessionId)}`,
  })
  return Number((r && r.ended) || 0)
}

// POST /api/v1/me/sessions:endAll → how many ended.
export async function meEndAllSessions(keepCurrent) {
  const r = await apiRequest({
    method: 'POST',
    path: '/api/v1/me/sessions:endAll',
    data: { keepCurrent: keepCurrent === true },
  })
  return Number((r && r.ended) || 0)
}

// ---- what pages share ------------------------------------------------------------------------

// Field errors of an ApiError keyed by the form's camelCase names: the core names proto fields
// ("campus_id", "new_password"), the JSON mapping lowerCamelCase; both are accepted.
export function identityFieldErrors(err) {
  const out = {}
  const raw = fieldErrorsOf(err)
  for (const key of Object.keys(raw)) {
    const camel = key.replace(/_([a-z])/g, (m, c) => c.toUpperCase())
    if (!(camel in out)) out[camel] = raw[key]
  }
  return out
}

// Where a failed call of a logged-in page must send the user, or '' when the page shows the
// error itself: 401 → the login page (coming back here afterwards), FAILED_PRECONDITION → the
// forced password change. Only for calls that need a session: on the public reset calls
// FAILED_PRECONDITION means a used or expired link.
export function authRedirectFor(err, backTo) {
  if (!err) return ''
  if (err.status === 401 || err.code === CODE_UNAUTHENTICATED) {
    sessionTokenClear()
    return backTo ? `${PAGE_LOGIN}?redirect=${encodeURIComponent(backTo)}` : PAGE_LOGIN
  }
  // The session's "change your initial password first" names no field; a FAILED_PRECONDITION
  // that names one (a closed slot, a service without a form) is the page's to show.
  if (err.code === CODE_FAILED_PRECONDITION && !Object.keys(fieldErrorsOf(err)).length) {
    return `${PAGE_CHANGE_PASSWORD}?forced=1`
  }
  return ''
}

// Follows authRedirectFor; true when it navigated (the caller stops showing the error).
export function authRedirect(err, backTo) {
  const url = authRedirectFor(err, backTo)
  if (!url) return false
  uni.reLaunch({ url })
  return true
}

// Only our own pages may be a redirect target after login (never another site's address).
export function safeRedirect(target) {
  const t = typeof target === 'string' ? target : ''
  return /^\/pages\/[a-z0-9_/-]+(\?[^#]*)?$/i.test(t) && !t.startsWith(PAGE_LOGIN) ? t : ''
}
