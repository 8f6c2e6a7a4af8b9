// Entry point shared by the H5 app and the mini-program. It must never touch the DOM or
// wx.* directly: uni-app's runtime decides which platform we are on.
import { createSSRApp } from 'vue'
import App from './App.vue'

export function createApp() {
  const app = createSSRApp(App)
  return { app }
}
