// Build configuration for both targets (H5 and mp-weixin) through uni-app's vite plugin.
// It must never hold environment-specific addresses: the H5 app talks same-origin to the
// gateway that serves it, and the mini-program's gateway address lives in src/config.js.
import { defineConfig } from 'vite'
import uni from '@dcloudio/vite-plugin-uni'

export default defineConfig({
  plugins: [uni()],
  // Quiet builds: warnings and errors only, so ./dev output stays readable.
  logLevel: 'warn',
  build: {
    // Source maps are not shipped; the gateway serves only what a browser needs.
    sourcemap: false,
    reportCompressedSize: false,
  },
})
