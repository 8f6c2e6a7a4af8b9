// Where the mini-program finds the gateway, and the client-side limits every call shares.
// It must never hold secrets (an appsecret, a token): this file ships inside the app.
// The H5 build ignores GATEWAY_BASE_URL and calls its own origin, because the gateway serves it.

// Gateway address for the mp-weixin build. Local development uses the gateway on loopback;
// a release build replaces this with the hall's HTTPS domain registered in the WeChat console.
export const GATEWAY_BASE_URL = 'http://127.0.0.1:8080'

// Client-side timeout of one API call, in milliseconds. Longer than the gateway's own
// deadline so the gateway's error (with its zh-CN message) normally arrives first.
export const REQUEST_TIMEOUT_MS = 15000

// Storage key of the bearer token once login exists.
export const TOKEN_STORAGE_KEY = 'ehall.token'
