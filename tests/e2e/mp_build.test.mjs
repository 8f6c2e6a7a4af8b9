// Smoke test of the WeChat mini-program build (miniprogram/dist/build/mp-weixin): the app
// lists the home page, every page has its four files, and WeChat's own compilers (wcc for
// WXML, wcsc for WXSS, shipped in the npm package miniprogram-compiler) accept the output.
// It must never rebuild anything itself: it checks what `npm run build:mp-weixin` produced.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import vm from 'node:vm'
import { miniprogramDir, requireFromMiniprogram } from './browser.mjs'

const OUT = path.join(miniprogramDir, 'dist', 'build', 'mp-weixin')
const HOME = 'pages/index/index'

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
function compilerBinaries() {
  const pkgDir = path.dirname(requireFromMiniprogram.resolve('miniprogram-compiler/package.json'))
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ehall-wcc-'))
  const bins = {}
  for (const name of ['wcc', 'wcsc']) {
    bins[name] = path.join(tmp, name)
    fs.copyFileSync(path.join(pkgDir, 'bin', 'linux', name), bins[name])
    fs.chmodSync(bins[name], 0o755)
  }
  bins.cleanup = () => fs.rmSync(tmp, { recursive: true, force: true })
  return bins
}

// Collects every data-testid in a virtual tree rendered by wcc's $gwx.
function testIds(node, out = new Set()) {
  if (node && typeof node === 'object') {
    if (node.attr && node.attr['data-testid']) out.add(node.attr['data-testid'])
    for (const child of node.children || []) testIds(child, out)
  }
  return out
}

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
  const project = readJson('project.config.json')
  assert.equal(project.appid, 'touristappid')
  assert.ok(fs.existsSync(path.join(OUT, 'app.js')) && fs.existsSync(path.join(OUT, 'common', 'vendor.js')))
})

test('mp-weixin build calls the gateway named in config.js, not same-origin', () => {
  const request = fs.readFileSync(path.join(OUT, 'api', 'request.js'), 'utf8')
  assert.match(request, /GATEWAY_BASE_URL/, 'request.js does not use GATEWAY_BASE_URL')
  assert.match(fs.readFileSync(path.join(OUT, 'config.js'), 'utf8'), /https?:\/\//)
})

test("WeChat's wcc compiles every WXML page and the home page renders its test ids", () => {
  const bins = compilerBinaries()
  try {
    const wxml = listFiles(OUT, '.wxml')
    assert.ok(wxml.includes(`${HOME}.wxml`))
    const res = spawnSync(bins.wcc, ['-d', '-cc', '0', ...wxml, '-gn', '$gwx'], {
      cwd: OUT,
      maxBuffer: 64 * 1024 * 1024,
    })
    assert.equal(res.status, 0, `wcc failed: ${res.stderr}`)

    // Run the compiled templates and render the home page with empty data: every
    // condition is false, so the page shows its "loaded" branch.
    const sandbox = { window: {}, console }
    sandbox.global = sandbox
    vm.createContext(sandbox)
    vm.runInContext(`${res.stdout};this.__gwx = $gwx;`, sandbox)
    const render = sandbox.__gwx(`${HOME}.wxml`)
    assert.equal(typeof render, 'function', 'wcc output has no render function for the home page')
    const ids = testIds(render({}, {}, sandbox.global))
    for (const id of ['hall-name', 'sysinfo', 'version', 'server-time', 'schema-version']) {
      assert.ok(ids.has(id), `rendered home page lacks data-testid="${id}"`)
    }
    const source = fs.readFileSync(path.join(OUT, `${HOME}.wxml`), 'utf8')
    assert.match(source, /data-testid="error"/)
    assert.match(source, /<button[^>]*data-testid="retry"[^>]*bindtap=/, 'retry button has no tap handler')
  } finally {
    bins.cleanup()
  }
})

test("WeChat's wcsc compiles every WXSS file", () => {
  const bins = compilerBinaries()
  try {
    const wxss = listFiles(OUT, '.wxss')
    assert.ok(wxss.includes('app.wxss') && wxss.includes(`${HOME}.wxss`))
    const pages = wxss.filter((f) => f !== 'app.wxss')
    const res = spawnSync(bins.wcsc, ['-db', '-pc', String(pages.length), ...pages, 'app.wxss'], {
      cwd: OUT,
      maxBuffer: 64 * 1024 * 1024,
    })
    assert.equal(res.status, 0, `wcsc failed: ${res.stderr}`)
    assert.match(String(res.stdout), /pages\/index\/index\.wxss/)
  } finally {
    bins.cleanup()
  }
})
