// Smoke test of the WeChat mini-program build (miniprogram/dist/build/mp-weixin): the app
// lists the home page, every page has its four files, WeChat's own compilers (wcc for WXML,
// wcsc for WXSS, shipped in the npm package miniprogram-compiler) accept the output, and the
// built home page, run under mp_harness.cjs, fetches system info and renders it.
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

function runPage(replies, steps) {
  const input = { out: OUT, gwx: compiledTemplates(), replies, steps }
  const res = spawnSync(process.execPath, [harnessPath, JSON.stringify(input)], {
    encoding: 'utf8',
    timeout: 60000,
    // A fixed zone so the local-time formatting has one right answer.
    env: { ...process.env, TZ: 'Asia/Shanghai' },
  })
  assert.equal(res.status, 0, `mini-program harness failed: ${res.stderr}`)
  return JSON.parse(res.stdout.trim().split('\n').pop())
}

function rendered(data) {
  const render = loadTemplates(fs.readFileSync(compiledTemplates(), 'utf8'))
  return render(`${HOME}.wxml`, data)
}

const textById = (tree, id) => textOf(findByTestId(tree, id)).trim()

test('mp-weixin build exists and app.json lists the home page', () => {
  assert.ok(
    fs.existsSync(path.join(OUT, 'app.json')),
    `${OUT}/app.json is missing: run \`cd miniprogram && npm run build:mp-weixin\` first`,
  )
  const app = readJson('app.json')
  assert.ok(Array.isArray(app.pages), 'app.json has no pages list')
  assert.equal(app.pages[0], HOME, 'the home page is not the first page')
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
  compiledTemplates()
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
