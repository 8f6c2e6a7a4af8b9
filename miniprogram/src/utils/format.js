// Display formatting shared by pages. It must never depend on Intl or toLocaleString: the
// mini-program's JavaScript engine on some phones lacks full ICU data, so we format by hand.

function pad2(n) {
  return n < 10 ? `0${n}` : `${n}`
}

// Parses an RFC 3339 timestamp as proto3 JSON writes it. Fractions beyond milliseconds are
// cut first, because some engines reject more than three fractional digits.
export function parseTimestamp(text) {
  if (!text) return null
  const trimmed = String(text).replace(/(\.\d{3})\d+/, '$1')
  const date = new Date(trimmed)
  return Number.isNaN(date.getTime()) ? null : date
}

// "2026-11-28 13:00:00" in the device's local time zone; "—" when absent or unparsable.
export function formatLocalDateTime(text) {
  const date = parseTimestamp(text)
  if (!date) return '—'
  return (
    `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`
  )
}

// Uptime in whole units a person reads at a glance: "3 天 4 小时", "12 分 5 秒".
export function formatDuration(secondsText) {
  let s = Math.max(0, Math.floor(Number(secondsText) || 0))
  const days = Math.floor(s / 86400)
  s -= days * 86400
  const hours = Math.floor(s / 3600)
  s -= hours * 3600
  const minutes = Math.floor(s / 60)
  const seconds = s - minutes * 60
  if (days > 0) return `${days} 天 ${hours} 小时`
  if (hours > 0) return `${hours} 小时 ${minutes} 分`
  if (minutes > 0) return `${minutes} 分 ${seconds} 秒`
  return `${seconds} 秒`
}

// Latency in milliseconds with one decimal below 10 ms and none above.
export function formatLatency(ms) {
  const v = Number(ms) || 0
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`
}
