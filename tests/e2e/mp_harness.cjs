// Runs one built mini-program page (miniprogram/dist/build/mp-weixin; the home page unless told) in plain Node
// with a stand-in for the WeChat runtime: App/Component/wx.* are the few calls uni-app's
// runtime makes, and wx.request answers from a scripted list. It must never be mistaken for
// the WeChat client: it proves our page logic and uni-app's glue, not WeChat's rendering.
//
// Usage: node mp_harness.cjs '<json>' where json = { out, gwx, replies: [reply...], steps: [...],
// page?, query?, storage?, wxCode? }; `gwx` is a file holding wcc's compiled templates; a reply is
// {statusCode, data} or {fail: "errMsg"}; a step is "load" (onLoad with `query`, then onShow),
// "tap:<data-testid>" (the element's bindtap is called) or "input:<data-testid>=<text>" (its
// bindinput gets the text, as typing would). `storage` is wx storage at start; wx.login answers
// `wxCode`. Prints one JSON line: { requests: [{url, method, header, data}], snapshots: [data
// after each step], storage: {…} at the end, navigations: [{how, url}] }.
// Required as a module it only exports the template helpers (loadTemplates, findByTestId, textOf).
'use strict'
const fs = require('fs')
const path = require('path')
const vm = require('vm')

// Runs wcc's output (browser-style script defining $gwx) and returns render(pagePath, data),
// which gives the page's virtual tree: {tag, attr, children} nodes and plain strings.
function loadTemplates(gwxSource) {
  const sandbox = { window: {}, console }
  sandbox.global = sandbox
  vm.createContext(sandbox)
  vm.runInContext(`${gwxSource};this.__gwx = $gwx;`, sandbox)
  return (pagePath, data) => {
    const generate = sandbox.__gwx(pagePath)
    if (typeof generate !== 'function') throw new Error(`no compiled template for ${pagePath}`)
    return generate(data, {}, sandbox.global)
  }
}

function findByTestId(node, id) {
  if (!node || typeof node !== 'object') return null
  if (node.attr && node.attr['data-testid'] === id) return node
  for (const child of node.children || []) {
    const hit = findByTestId(child, id)
    if (hit) return hit
  }
  return null
}

function textOf(node) {
  if (node == null) return ''
  if (typeof node !== 'object') return String(node)
  return (node.children || []).map(textOf).join('')
}

module.exports = { loadTemplates, findByTestId, textOf }
if (require.main !== module) return

const input = JSON.parse(process.argv[2])
const requests = []
const replies = input.replies.slice()

const screen = {
  platform: 'devtools', windowWidth: 390, windowHeight: 844, screenWidth: 390, screenHeight: 844,
  pixelRatio: 2, language: 'zh_CN', SDKVersion: '3.3.0', version: '8.0.50', system: 'Android 13',
  model: 'harness', brand: 'harness', statusBarHeight: 20, theme: 'light', host: { env: 'WeChat' },
  safeArea: { top: 20, left: 0, right: 390, bottom: 844, width: 390, height: 824 },
}
const PAGE = input.page || 'pages/index/index'
const launch = { path: PAGE, query: {}, scene: 1001, referrerInfo: {} }
const storage = { ...(input.storage || {}) }
const navigations = []
const navigate = (how) => (o) => {
  navigations.push({ how, url: o && o.url })
  if (o && o.success) setImmediate(() => o.success({}))
}

global.wx = {
  getSystemInfoSync: () => ({ ...screen }),
  getWindowInfo: () => ({ ...screen }),
  getDeviceInfo: () => ({ ...screen }),
  getAppBaseInfo: () => ({ ...screen }),
  getLaunchOptionsSync: () => ({ ...launch }),
  getEnterOptionsSync: () => ({ ...launch }),
  getAccountInfoSync: () => ({ miniProgram: { appId: 'touristappid', envVersion: 'develop', version: '' } }),
  onAppShow() {}, onAppHide() {}, offAppShow() {}, offAppHide() {},
  preloadAssets() {},
  canIUse: () => true,
  getStorageSync: (k) => (k in storage ? storage[k] : ''),
  setStorageSync(k, v) { storage[k] = v },
  removeStorageSync(k) { delete storage[k] },
  setStorage() {},
  stopPullDownRefresh() {},
  login(o) { setImmediate(() => o.success && o.success({ code: input.wxCode || 'harness-code', errMsg: 'login:ok' })) },
  reLaunch: navigate('reLaunch'),
  navigateTo: navigate('navigateTo'),
  redirectTo: navigate('redirectTo'),
  showToast() {},
  showModal(o) { setImmediate(() => o.success && o.success({ confirm: true })) },
  request(options) {
    requests.push({ url: options.url, method: options.method, header: options.header, data: options.data })
    const reply = replies.shift() || { fail: 'request:fail no scripted reply' }
    setImmediate(() => {
      if (reply.fail) options.fail && options.fail({ errMsg: reply.fail })
      else options.success && options.success({ statusCode: reply.statusCode, data: reply.data, header: {} })
      options.complete && options.complete({})
    })
    return { abort() {} }
  },
}

let appOptions = null
let pageOptions = null
const appInstance = {}
const page = {
  is: PAGE,
  route: PAGE,
  options: {},
  data: {},
  setData(patch, done) {
    for (const [key, value] of Object.entries(patch)) setPath(this.data, key, value)
    if (done) done()
  },
  triggerEvent() {},
  selectAllComponents: () => [],
  selectComponent: () => null,
  getOpenerEventChannel: () => ({}),
}
global.App = (o) => { appOptions = o }
global.Page = (o) => { pageOptions = o }
global.Component = (o) => { pageOptions = o }
global.getApp = () => appInstance
global.getCurrentPages = () => [page]

// setData takes paths such as "o[1].d"; copy values so later mutations cannot leak in.
function setPath(obj, key, value) {
  const parts = key.replace(/\[(\d+)\]/g, '.$1').split('.')
  let node = obj
  for (let i = 0; i < parts.length - 1; i++) {
    if (node[parts[i]] == null) node[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {}
    node = node[parts[i]]
  }
  node[parts[parts.length - 1]] = value === undefined ? undefined : JSON.parse(JSON.stringify(value))
}

// Lets queued callbacks, promises and uni-app's deferred tap handlers (setTimeout 0) run.
// Each round queues its own zero timer behind anything already queued, so ordering, not a
// wait of some length, decides that earlier work has run; rounds cover chains of such work.
async function settle() {
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0))
    await new Promise((resolve) => setImmediate(resolve))
  }
}

async function main() {
  const render = loadTemplates(fs.readFileSync(input.gwx, 'utf8'))
  require(path.join(input.out, 'app.js'))
  Object.assign(appInstance, appOptions)
  appOptions.onLaunch.call(appInstance, { ...launch })

  require(path.join(input.out, ...PAGE.split('/')) + '.js')
  Object.assign(page, pageOptions.methods)
  page.properties = Object.fromEntries(
    Object.entries(pageOptions.properties || {}).map(([k, v]) => [k, v.value]),
  )
  page.data = { ...(pageOptions.data || {}), ...page.properties }
  if (pageOptions.created) pageOptions.created.call(page)

  const snapshots = []
  for (const step of input.steps) {
    if (step === 'load') {
      pageOptions.lifetimes.attached.call(page)
      page.onLoad({ ...(input.query || {}) })
      pageOptions.lifetimes.ready.call(page)
      if (typeof page.onShow === 'function') page.onShow()
    } else if (step.startsWith('tap:')) {
      const id = step.slice(4)
      const node = findByTestId(render(`${PAGE}.wxml`, page.data), id)
      if (!node) throw new Error(`nothing with data-testid="${id}" on the page`)
      const handler = node.attr.bindtap
      if (typeof page[handler] !== 'function') throw new Error(`data-testid="${id}" has no tap handler`)
      const event = { type: 'tap', target: { dataset: {} }, currentTarget: { dataset: {} }, detail: {} }
      page[handler](event)
    } else if (step.startsWith('input:')) {
      const eq = step.indexOf('=')
      const id = step.slice(6, eq)
      const node = findByTestId(render(`${PAGE}.wxml`, page.data), id)
      if (!node) throw new Error(`nothing with data-testid="${id}" on the page`)
      const handler = node.attr.bindinput
      if (typeof page[handler] !== 'function') throw new Error(`data-testid="${id}" has no input handler`)
      const value = step.slice(eq + 1)
      const event = { type: 'input', target: { dataset: {} }, currentTarget: { dataset: {} }, detail: { value } }
      page[handler](event)
    } else {
      throw new Error(`unknown step ${step}`)
    }
    await settle()
    snapshots.push(JSON.parse(JSON.stringify(page.data)))
  }
  process.stdout.write(JSON.stringify({ requests, snapshots, storage, navigations }) + '\n')
  process.exit(0)
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
})
