// Choosing a CSV file and saving one, for the org admin pages. Only the web app (H5) can do
// either: the mini-program has no file input for local files nor a download folder, so there
// the functions say so (FILES_SUPPORTED false) and the pages point to the PC web app.
// It must never read more than `maxBytes` into memory nor keep a file after handing it back.
import { base64ToBytes, bytesToBase64 } from '../../api/org.js'

export const FILES_SUPPORTED = (() => {
  // #ifdef H5
  return true
  // #endif
  // #ifndef H5
  return false
  // #endif
})()

export const MSG_USE_PC = '请在电脑端网页（网上办事大厅）中导入或导出文件 · Please use the web app on a PC'

// Opens the browser's file chooser for one CSV file → { name, size, base64 }, or null when the
// person cancelled. Rejects with an Error whose message is fit to show (too large, unreadable).
export function pickCsvFile(maxBytes) {
  // #ifdef H5
  return new Promise((resolve, reject) => {
    const input = document.createElement('input')
    input.type = 'file'
    input.accept = '.csv,text/csv,text/plain'
    input.style.display = 'none'
    input.setAttribute('data-testid', 'file-input')
    document.body.appendChild(input)
    const done = () => {
      if (input.parentNode) input.parentNode.removeChild(input)
    }
    input.addEventListener('cancel', () => {
      done()
      resolve(null)
    })
    input.addEventListener('change', async () => {
      const file = input.files && input.files[0]
      done()
      if (!file) {
        resolve(null)
        return
      }
      if (file.size > maxBytes) {
        reject(new Error(`文件太大（最大 ${Math.floor(maxBytes / 1024 / 1024)} MB）· File too large`))
        return
      }
      try {
        const buf = await file.arrayBuffer()
        resolve({ name: file.name, size: file.size, base64: bytesToBase64(buf) })
      } catch (e) {
        reject(new Error('无法读取该文件，请重新选择 · Could not read the file'))
      }
    })
    input.click()
  })
  // #endif
  // #ifndef H5
  return Promise.reject(new Error(MSG_USE_PC))
  // #endif
}

// Saves base64 bytes as a file download named `filename` (the browser's download folder).
export function saveFile(filename, base64, mime = 'text/csv;charset=utf-8') {
  // #ifdef H5
  const blob = new Blob([base64ToBytes(base64)], { type: mime })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  document.body.removeChild(a)
  setTimeout(() => URL.revokeObjectURL(url), 10000)
  return
  // #endif
  // #ifndef H5
  throw new Error(MSG_USE_PC)
  // #endif
}
