// Smoke test of the WeChat mini-program build (miniprogram/dist/build/mp-weixin): the app
// lists every page, every page has its four files, WeChat's own compilers (wcc for WXML,
// wcsc for WXSS, shipped in the npm package miniprogram-compiler) accept the output, and built
// pages run under mp_harness.cjs: the home page fetches system info and shows who is logged in
// (bearer token from storage), the login page logs in by password and by WeChat (wx.login →
// bind on first use) and keeps the token in storage, as the mini-program has no cookies.
// It must never rebuild anything itself: it checks what `npm run build:mp-weixin` produced.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { miniprogramDir, requireFromMiniprogram } from './browser.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const harnessPath = path.join(here, 'mp_harness.cjs')
const { loadTemplates, findByTestId, textOf } = createRequire(import.meta.url)(harnessPath)

const OUT = path.join(miniprogramDir, 'dist', 'build', 'mp-weixin')
const HOME = 'pages/index/index'
const LOGIN = 'pages/auth/login'
// Every page of src/pages.json, home first.
const PAGES = [
  HOME,
  'pages/feedback/feedback',
  LOGIN,
  'pages/auth/change-password',
  'pages/auth/bind-email',
  'pages/auth/forgot',
  'pages/auth/reset',
  'pages/me/me',
  'pages/me/sessions',
  'pages/org/units',
  'pages/org/groups',
  'pages/org/import',
  'pages/org/approvers',
  'pages/org/delegations',
  'pages/catalog/home',
  'pages/catalog/search',
  'pages/catalog/service',
  'pages/catalog/mine',
  'pages/catalog/admin',
  'pages/catalog/editor',
  'pages/booking/slots',
  'pages/booking/mine',
  'pages/booking/staff',
  'pages/booking/manage',
  'pages/booking/calendar',
  'pages/apply/form',
  'pages/apply/mine',
  'pages/apply/detail',
  'pages/apply/editor',
  'pages/approvals/todo',
  'pages/approvals/task',
  'pages/approvals/process',
]
const TOKEN_KEY = 'ehall.token'
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ehall-mp-test-'))
after(() => fs.rmSync(work, { recursive: true, force: true }))

const SAMPLE_INFO = {
  name: '网上办事大厅',
  nameEn: 'Online Service Hall',
  version: '0.1.0',
  buildTime: '2026-11-28T04:00:00Z',
  serverTime: '2026-11-28T05:00:00.123456789Z',
  schemaVersion: '7',
  dependencies: [
    { name: 'postgresql', healthy: true, detail: '15.18', latencyMs: 0.4 },
    // proto3 JSON leaves out healthy=false.
    { name: 'redis', detail: 'connection refused', latencyMs: 12.3 },
  ],
  uptimeSeconds: '3700',
}

function readJson(rel) {
  return JSON.parse(fs.readFileSync(path.join(OUT, rel), 'utf8'))
}

function listFiles(dir, ext, base = dir) {
  const out = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listFiles(full, ext, base))
    else if (entry.name.endsWith(ext)) out.push(path.relative(base, full).split(path.sep).join('/'))
  }
  return out.sort()
}

// The package keeps its binaries without the execute bit (npm sets it only for "bin"
// entries), so run private copies instead of chmod-ing files inside node_modules.
function compiler(name) {
  const copy = path.join(work, name)
  if (!fs.existsSync(copy)) {
    const pkgDir = path.dirname(requireFromMiniprogram.resolve('miniprogram-compiler/package.json'))
    fs.copyFileSync(path.join(pkgDir, 'bin', 'linux', name), copy)
    fs.chmodSync(copy, 0o755)
  }
  return copy
}

let gwxFile = null
// Compiles every WXML file once with wcc; returns the path of the compiled templates.
function compiledTemplates() {
  if (gwxFile) return gwxFile
  const wxml = listFiles(OUT, '.wxml')
  assert.ok(wxml.includes(`${HOME}.wxml`), `${HOME}.wxml is missing`)
  const res = spawnSync(compiler('wcc'), ['-d', '-cc', '0', ...wxml, '-gn', '$gwx'], {
    cwd: OUT,
    maxBuffer: 64 * 1024 * 1024,
  })
  assert.equal(res.status, 0, `wcc failed: ${res.stderr}`)
  gwxFile = path.join(work, 'gwx.js')
  fs.writeFileSync(gwxFile, res.stdout)
  return gwxFile
}

function runPage(replies, steps, extra = {}) {
  const input = { out: OUT, gwx: compiledTemplates(), replies, steps, ...extra }
  const res = spawnSync(process.execPath, [harnessPath, JSON.stringify(input)], {
    encoding: 'utf8',
    timeout: 60000,
    // A fixed zone so the local-time formatting has one right answer.
    env: { ...process.env, TZ: 'Asia/Shanghai' },
  })
  assert.equal(res.status, 0, `mini-program harness failed: ${res.stderr}`)
  return JSON.parse(res.stdout.trim().split('\n').pop())
}

function rendered(data, page = HOME) {
  const render = loadTemplates(fs.readFileSync(compiledTemplates(), 'utf8'))
  return render(`${page}.wxml`, data)
}

const textById = (tree, id) => textOf(findByTestId(tree, id)).trim()

test('mp-weixin build exists and app.json lists every page, home first', () => {
  assert.ok(
    fs.existsSync(path.join(OUT, 'app.json')),
    `${OUT}/app.json is missing: run \`cd miniprogram && npm run build:mp-weixin\` first`,
  )
  const app = readJson('app.json')
  assert.ok(Array.isArray(app.pages), 'app.json has no pages list')
  assert.equal(app.pages[0], HOME, 'the home page is not the first page')
  assert.deepEqual(app.pages, PAGES)
  assert.equal(app.window.navigationBarTitleText, '网上办事大厅')
  for (const page of app.pages) {
    for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
      assert.ok(fs.existsSync(path.join(OUT, page + ext)), `${page}${ext} is missing`)
    }
  }
  assert.equal(readJson('project.config.json').appid, 'touristappid')
  assert.ok(fs.existsSync(path.join(OUT, 'app.js')) && fs.existsSync(path.join(OUT, 'common', 'vendor.js')))
  // vite.config.js strips uni-app's preload of an image from DCloud's CDN.
  const vendor = fs.readFileSync(path.join(OUT, 'common', 'vendor.js'), 'utf8')
  assert.ok(!vendor.includes('preloadAssets'), 'vendor.js still preloads from a third-party host')
})

test("WeChat's wcc compiles every WXML page", () => {
  const render = loadTemplates(fs.readFileSync(compiledTemplates(), 'utf8'))
  for (const page of PAGES) {
    const tree = render(`${page}.wxml`, {})
    assert.ok(tree && typeof tree === 'object', `no compiled template for ${page}`)
  }
  const source = fs.readFileSync(path.join(OUT, `${HOME}.wxml`), 'utf8')
  assert.match(source, /<button[^>]*data-testid="retry"[^>]*bindtap=/, 'retry button has no tap handler')
})

test("WeChat's wcsc compiles every WXSS file", () => {
  const wxss = listFiles(OUT, '.wxss')
  assert.ok(wxss.includes('app.wxss') && wxss.includes(`${HOME}.wxss`))
  const pages = wxss.filter((f) => f !== 'app.wxss')
  const res = spawnSync(compiler('wcsc'), ['-db', '-pc', String(pages.length), ...pages, 'app.wxss'], {
    cwd: OUT,
    maxBuffer: 64 * 1024 * 1024,
  })
  assert.equal(res.status, 0, `wcsc failed: ${res.stderr}`)
  assert.match(String(res.stdout), /pages\/index\/index\.wxss/)
})

test('home page in the mini-program fetches system info from the configured gateway and shows it', () => {
  const { requests, snapshots } = runPage([{ statusCode: 200, data: SAMPLE_INFO }], ['load'])
  assert.equal(requests.length, 1)
  assert.equal(requests[0].url, 'http://127.0.0.1:8080/api/v1/system/info')
  assert.equal(requests[0].method, 'GET')
  assert.match(requests[0].header['x-request-id'], /^[0-9a-f]{32}$/)

  const tree = rendered(snapshots[0])
  assert.equal(textById(tree, 'hall-name'), '网上办事大厅')
  assert.equal(textById(tree, 'hall-name-en'), 'Online Service Hall')
  assert.equal(textById(tree, 'version'), '0.1.0')
  assert.equal(textById(tree, 'schema-version'), '7')
  assert.equal(textById(tree, 'server-time'), '2026-11-28 13:00:00')
  assert.equal(textById(tree, 'uptime'), '1 小时 1 分')
  assert.equal(findByTestId(tree, 'error'), null)

  const pg = findByTestId(tree, 'dep-postgresql')
  assert.equal(pg.attr['data-healthy'], 'true')
  assert.equal(textById(pg, 'dep-status'), '正常')
  const redis = findByTestId(tree, 'dep-redis')
  assert.equal(redis.attr['data-healthy'], 'false')
  assert.equal(textById(redis, 'dep-status'), '异常')
  assert.match(textOf(redis), /connection refused/)
  assert.match(textOf(redis), /12 ms/)
})

test('home page in the mini-program shows the gateway error, and retry recovers', () => {
  const failure = { statusCode: 503, data: { code: 14, message: '服务暂不可用', details: [] } }
  const { requests, snapshots } = runPage(
    [failure, { statusCode: 200, data: SAMPLE_INFO }],
    ['load', 'tap:retry'],
  )
  const failed = rendered(snapshots[0])
  assert.equal(textById(failed, 'error-message'), '服务暂不可用')
  assert.ok(findByTestId(failed, 'retry'), 'no retry button')
  assert.equal(findByTestId(failed, 'sysinfo'), null)

  assert.equal(requests.length, 2, 'retry did not call the API again')
  const recovered = rendered(snapshots[1])
  assert.equal(findByTestId(recovered, 'error'), null)
  assert.equal(textById(recovered, 'version'), '0.1.0')
})

test('home page in the mini-program maps a network failure to a Chinese message', () => {
  const { snapshots } = runPage([{ fail: 'request:fail connect ECONNREFUSED' }], ['load'])
  assert.equal(textById(rendered(snapshots[0]), 'error-message'), '网络连接失败，请稍后重试')
})

const ACCOUNT = {
  campusId: '2023010101',
  name: '张伟',
  kind: 'ACCOUNT_KIND_STUDENT',
  orgUnit: 'CS-2023-1',
  status: 'ACCOUNT_STATUS_ACTIVE',
  roles: [{ name: 'student' }],
}

test('home page in the mini-program shows the logged-in user, asking with the stored bearer token', () => {
  const { requests, snapshots } = runPage(
    [{ statusCode: 200, data: SAMPLE_INFO }, { statusCode: 200, data: ACCOUNT }],
    ['load'],
    { storage: { [TOKEN_KEY]: 'tok-home' } },
  )
  assert.equal(requests.length, 2)
  assert.equal(requests[1].url, 'http://127.0.0.1:8080/api/v1/me')
  assert.equal(requests[1].header.authorization, 'Bearer tok-home')
  const tree = rendered(snapshots[0])
  assert.equal(textById(tree, 'user-name'), '张伟')
  assert.equal(findByTestId(tree, 'login-link'), null)
})

test('home page in the mini-program without a token asks nobody and offers 登录', () => {
  const { requests, snapshots } = runPage([{ statusCode: 200, data: SAMPLE_INFO }], ['load'])
  assert.deepEqual(requests.map((r) => r.url), ['http://127.0.0.1:8080/api/v1/system/info'])
  const tree = rendered(snapshots[0])
  assert.match(textById(tree, 'login-link'), /登录/)
  assert.equal(findByTestId(tree, 'user-name'), null)
})

test('login page in the mini-program: WeChat login, bind on first use, token kept in storage', () => {
  const { requests, snapshots, storage, navigations } = runPage(
    [
      { statusCode: 200, data: { bindRequired: true, bindTicket: 'ticket-1' } },
      { statusCode: 200, data: { token: 'tok-wx', expireTime: '2026-12-05T00:00:00Z', account: ACCOUNT } },
    ],
    ['load', 'tap:wechat-login', 'input:campus-id=2023010101', 'input:password=Secret#2026', 'tap:login-submit'],
    { page: LOGIN, wxCode: 'wx-code-1' },
  )
  assert.equal(requests.length, 2)
  assert.equal(requests[0].url, 'http://127.0.0.1:8080/api/v1/auth/wechat/login')
  assert.equal(requests[0].method, 'POST')
  assert.equal(requests[0].header.authorization, undefined)
  assert.equal(requests[0].header['x-csrf-token'], undefined, 'the mini-program has no CSRF cookie to echo')
  const first = JSON.parse(requests[0].data)
  assert.equal(first.code, 'wx-code-1')
  assert.match(first.device, /^微信小程序/)

  // bind_required: the same form now binds, and says so.
  const bindForm = rendered(snapshots[1], LOGIN)
  assert.ok(findByTestId(bindForm, 'bind-intro'), 'no bind explanation after bind_required')
  assert.equal(findByTestId(bindForm, 'wechat-login'), null)
  assert.match(textById(bindForm, 'login-submit'), /绑定并登录/)

  assert.equal(requests[1].url, 'http://127.0.0.1:8080/api/v1/auth/wechat/bind')
  assert.deepEqual(
    { ...JSON.parse(requests[1].data), device: undefined },
    { bindTicket: 'ticket-1', campusId: '2023010101', password: 'Secret#2026', device: undefined },
  )
  assert.equal(storage[TOKEN_KEY], 'tok-wx')
  assert.deepEqual(navigations, [{ how: 'reLaunch', url: '/pages/index/index' }])
})

test('login page in the mini-program: password login with an initial password goes to the forced change', () => {
  const { requests, storage, navigations } = runPage(
    [{ statusCode: 200, data: { token: 'tok-pw', mustChangePassword: true, account: { ...ACCOUNT, mustChangePassword: true } } }],
    ['load', 'input:campus-id=2023010101', 'input:password=315001', 'tap:login-submit'],
    { page: LOGIN, storage: { [TOKEN_KEY]: 'stale-token' } },
  )
  assert.equal(requests.length, 1)
  assert.equal(requests[0].url, 'http://127.0.0.1:8080/api/v1/auth/login')
  // A stale token is not sent along with a new login.
  assert.equal(requests[0].header.authorization, undefined)
  const body = JSON.parse(requests[0].data)
  assert.equal(body.client, 'mp')
  assert.equal(body.campusId, '2023010101')
  assert.equal(storage[TOKEN_KEY], 'tok-pw')
  assert.deepEqual(navigations, [{ how: 'reLaunch', url: '/pages/auth/change-password?forced=1' }])
})

test('login page in the mini-program: a wrong password is shown above the button, a field error at its field', () => {
  const wrong = { statusCode: 401, data: { code: 16, message: '学号或密码错误', details: [] } }
  const bad = {
    statusCode: 400,
    data: {
      code: 3,
      message: '请检查输入',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [{ field: 'campus_id', description: '学号/工号最多 32 个字符' }],
        },
      ],
    },
  }
  const { snapshots, storage, navigations } = runPage(
    [wrong, bad],
    ['load', 'input:campus-id=2023010101', 'input:password=nope', 'tap:login-submit', 'tap:login-submit'],
    { page: LOGIN },
  )
  const afterWrong = rendered(snapshots[3], LOGIN)
  assert.equal(textById(afterWrong, 'form-error'), '学号或密码错误')
  assert.equal(findByTestId(afterWrong, 'error-campus-id'), null)
  const afterBad = rendered(snapshots[4], LOGIN)
  assert.equal(textById(afterBad, 'error-campus-id'), '学号/工号最多 32 个字符')
  assert.equal(findByTestId(afterBad, 'form-error'), null)
  assert.equal(storage[TOKEN_KEY], undefined)
  assert.deepEqual(navigations, [])
})
