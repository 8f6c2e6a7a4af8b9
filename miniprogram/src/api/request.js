// The one way the app talks to the gateway: every API call goes through apiRequest(), which
// wraps uni.request so H5 and mp-weixin behave the same. It must never show UI or log tokens;
// callers decide how to present an ApiError, whose message is already fit for a user (zh-CN).
import { GATEWAY_BASE_URL, REQUEST_TIMEOUT_MS, TOKEN_STORAGE_KEY } from '../config.js'

// gRPC status codes: the client itself produces UNKNOWN, DEADLINE_EXCEEDED and UNAVAILABLE
// when the gateway never answered; pages branch on the others (see api/identity.js).
const CODE_UNKNOWN = 2
const CODE_DEADLINE_EXCEEDED = 4
const CODE_UNAVAILABLE = 14
export const CODE_INVALID_ARGUMENT = 3
export const CODE_NOT_FOUND = 5
export const CODE_RESOURCE_EXHAUSTED = 8
export const CODE_FAILED_PRECONDITION = 9
export const CODE_UNAUTHENTICATED = 16

// The web app's CSRF cookie (readable by scripts; the session cookie next to it is HttpOnly):
// the gateway refuses a cookie-authenticated change unless X-CSRF-Token echoes it.
const CSRF_COOKIE = 'ehall_csrf'

export const MSG_NETWORK = '网络连接失败，请稍后重试'
export const MSG_TIMEOUT = '请求超时，请稍后重试'
const MSG_BAD_REPLY = '服务返回了无法识别的数据，请稍后重试'

// An API failure: `message` is user-facing zh-CN, `code` the gRPC status code, `status` the
// HTTP status (0 when no reply arrived), `details` the gateway's field errors, `requestId`
// the id to quote when reporting a problem.
export class ApiError extends Error {
  constructor(message, { code = CODE_UNKNOWN, status = 0, details = [], requestId = '' } = {}) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.status = status
    this.details = details
    this.requestId = requestId
  }
}

function baseUrl() {
  // H5 is served by the gateway itself, so same-origin needs no CORS and no configuration.
  // #ifdef H5
  return ''
  // #endif
  // #ifndef H5
  return GATEWAY_BASE_URL
  // #endif
}

// A request id only has to be unique enough to find one call in the logs; Math.random is
// available on every platform, unlike crypto.getRandomValues in the mini-program runtime.
export function newRequestId() {
  let id = ''
  for (let i = 0; i < 32; i++) id += Math.floor(Math.random() * 16).toString(16)
  return id
}

// A random (version 4) UUID, e.g. for an Idempotency-Key: crypto.getRandomValues where the
// platform has it (browsers), Math.random otherwise (the mini-program runtime). A key only has
// to be unlikely to repeat for one user, not secret.
export function newUuid() {
  const bytes = new Array(16)
  const c = typeof crypto !== 'undefined' && crypto && crypto.getRandomValues ? crypto : null
  if (c) {
    const a = new Uint8Array(16)
    c.getRandomValues(a)
    for (let i = 0; i < 16; i++) bytes[i] = a[i]
  } else {
    for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256)
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = bytes.map((b) => (b < 16 ? '0' : '') + b.toString(16)).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

// The field errors of an ApiError (google.rpc.BadRequest fieldViolations in its details) as
// { field: message }, first message per field; {} when it has none. Field names are the
// API's (proto field names, e.g. "content"), so a form maps them to its inputs.
export function fieldErrorsOf(err) {
  const out = {}
  const details = (err && Array.isArray(err.details) && err.details) || []
  for (const d of details) {
    if (!d || typeof d['@type'] !== 'string' || !d['@type'].endsWith('google.rpc.BadRequest')) continue
    for (const v of d.fieldViolations || []) {
      if (v && typeof v.field === 'string' && v.field && !(v.field in out)) {
        out[v.field] = typeof v.description === 'string' && v.description ? v.description : err.message
      }
    }
  }
  return out
}

function storedToken() {
  try {
    return uni.getStorageSync(TOKEN_STORAGE_KEY) || ''
  } catch (e) {
    return ''
  }
}

// Keeps the session token of a LoginReply where apiRequest finds it. Only the mini-program
// keeps one (it has no cookies); on H5 the gateway put the session in an HttpOnly cookie that
// scripts must never see, so nothing is stored there and a stale stored token is dropped.
export function sessionTokenSave(token) {
  // #ifdef H5
  sessionTokenClear()
  return
  // #endif
  // #ifndef H5
  try {
    if (token) uni.setStorageSync(TOKEN_STORAGE_KEY, token)
  } catch (e) {
    // Storage full or denied: the next call will be anonymous and lead back to the login page.
  }
  // #endif
}

// Forgets the stored session token (logout, or the server said it is no longer valid).
export function sessionTokenClear() {
  try {
    uni.removeStorageSync(TOKEN_STORAGE_KEY)
  } catch (e) {
    // Nothing stored or storage unavailable: either way no token is sent any more.
  }
}

// True when a session may exist on this client: the mini-program has a stored token; on H5
// only the server can tell (the cookie is HttpOnly), so the answer there is always true.
export function sessionMayExist() {
  // #ifdef H5
  return true
  // #endif
  // #ifndef H5
  return storedToken() !== ''
  // #endif
}

// The ehall_csrf cookie's value on H5; '' elsewhere or when absent.
function csrfToken() {
  // #ifdef H5
  if (typeof document === 'undefined' || !document.cookie) return ''
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === CSRF_COOKIE) return part.slice(eq + 1).trim()
  }
  // #endif
  return ''
}

function headerValue(headers, name) {
  if (!headers) return ''
  const wanted = name.toLowerCase()
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === wanted) return headers[key]
  }
  return ''
}

// Turns a non-2xx reply into an ApiError, keeping the gateway's {code, message, details}
// when the body has that shape, and a generic zh-CN message when it does not (a proxy's page).
export function errorFromReply(statusCode, body, requestId) {
  let parsed = body
  if (typeof parsed === 'string') {
    try {
      parsed = JSON.parse(parsed)
    } catch (e) {
      parsed = null
    }
  }
  if (parsed && typeof parsed === 'object' && typeof parsed.message === 'string' && parsed.message) {
    return new ApiError(parsed.message, {
      code: typeof parsed.code === 'number' ? parsed.code : CODE_UNKNOWN,
      status: statusCode,
      details: Array.isArray(parsed.details) ? parsed.details : [],
      requestId,
    })
  }
  const code = statusCode === 502 || statusCode === 503 || statusCode === 504 ? CODE_UNAVAILABLE : CODE_UNKNOWN
  return new ApiError(`请求失败（HTTP ${statusCode}），请稍后重试`, { code, status: statusCode, requestId })
}

// apiRequest({ method, path, data, timeout, headers }) resolves with the decoded JSON body of a
// 2xx reply and rejects with an ApiError otherwise. `path` starts with "/api/". `headers` adds
// request headers (e.g. Idempotency-Key); it cannot replace x-request-id, the token or the
// CSRF header. A change (any method but GET/HEAD) from H5 echoes the ehall_csrf cookie.
export function apiRequest({ method = 'GET', path, data, timeout = REQUEST_TIMEOUT_MS, headers }) {
  const requestId = newRequestId()
  const header = { ...(headers || {}) }
  header['x-request-id'] = requestId
  header.accept = 'application/json'
  if (data !== undefined && method !== 'GET') header['content-type'] = 'application/json'
  const token = storedToken()
  if (token) header.authorization = `Bearer ${token}`
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = csrfToken()
    if (csrf) header['x-csrf-token'] = csrf
  }

  return new Promise((resolve, reject) => {
    uni.request({
      url: baseUrl() + path,
      method,
      data: data === undefined ? undefined : method === 'GET' ? data : JSON.stringify(data),
      header,
      timeout,
      dataType: 'json',
      responseType: 'text',
      success(res) {
        const replyId = headerValue(res.header, 'x-request-id') || requestId
        if (res.statusCode >= 200 && res.statusCode < 300) {
          if (typeof res.data === 'string' && res.data !== '') {
            reject(new ApiError(MSG_BAD_REPLY, { status: res.statusCode, requestId: replyId }))
            return
          }
          resolve(res.data === '' ? {} : res.data)
          return
        }
        reject(errorFromReply(res.statusCode, res.data, replyId))
      },
      fail(err) {
        const text = (err && err.errMsg) || ''
        if (/timeout/i.test(text)) {
          reject(new ApiError(MSG_TIMEOUT, { code: CODE_DEADLINE_EXCEEDED, requestId }))
        } else {
          reject(new ApiError(MSG_NETWORK, { code: CODE_UNAVAILABLE, requestId }))
        }
      },
    })
  })
}
