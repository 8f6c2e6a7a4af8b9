// Build configuration for both targets (H5 and mp-weixin) through uni-app's vite plugin.
// It must never hold environment-specific addresses: the H5 app talks same-origin to the
// gateway that serves it, and the mini-program's gateway address lives in src/config.js.
import { defineConfig } from 'vite'
import uni from '@dcloudio/vite-plugin-uni'

// uni-app's mp-weixin runtime preloads an image from DCloud's CDN three seconds after start
// in production builds. The hall must not contact third-party hosts on its users' behalf, so
// the check guarding that call is made false. Fail the build if the code moved (an upgrade),
// rather than silently shipping the call again.
function noVendorPreload() {
  const guard = 'isFunction(wx.preloadAssets)'
  return {
    name: 'ehall-no-vendor-preload',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('uni-mp-weixin/dist/uni.mp.esm.js') || !code.includes('preloadAssets')) return null
      if (!code.includes(guard)) throw new Error(`ehall-no-vendor-preload: "${guard}" not found in ${id}`)
      return { code: code.split(guard).join('false'), map: null }
    },
  }
}

export default defineConfig({
  plugins: [noVendorPreload(), uni()],
  // Quiet builds: warnings and errors only, so ./dev output stays readable.
  logLevel: 'warn',
  build: {
    // Source maps are not shipped; the gateway serves only what a browser needs.
    sourcemap: false,
    reportCompressedSize: false,
  },
})
