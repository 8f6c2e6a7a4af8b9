// The one way the app talks to the gateway: every API call goes through apiRequest(), which
// wraps uni.request so H5 and mp-weixin behave the same. It must never show UI or log tokens;
// callers decide how to present an ApiError, whose message is already fit for a user (zh-CN).
import { GATEWAY_BASE_URL, REQUEST_TIMEOUT_MS, TOKEN_STORAGE_KEY } from '../config.js'

// gRPC status codes the client itself produces when the gateway never answered.
const CODE_UNKNOWN = 2
const CODE_DEADLINE_EXCEEDED = 4
const CODE_UNAVAILABLE = 14

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

function storedToken() {
  try {
    return uni.getStorageSync(TOKEN_STORAGE_KEY) || ''
  } catch (e) {
    return ''
  }
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

// apiRequest({ method, path, data, timeout }) resolves with the decoded JSON body of a 2xx
// reply and rejects with an ApiError otherwise. `path` starts with "/api/".
export function apiRequest({ method = 'GET', path, data, timeout = REQUEST_TIMEOUT_MS }) {
  const requestId = newRequestId()
  const header = {
    'x-request-id': requestId,
    accept: 'application/json',
  }
  if (data !== undefined && method !== 'GET') header['content-type'] = 'application/json'
  const token = storedToken()
  if (token) header.authorization = `Bearer ${token}`

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
