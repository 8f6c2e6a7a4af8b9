// Calls of ehall.system.v1.System, as the gateway exposes them over HTTP/JSON.
// It must never reshape the reply beyond proto3 JSON's own rules; pages format for display.
import { apiRequest } from './request.js'

// GET /api/v1/system/info → SystemInfo in proto3 JSON: int64 fields arrive as strings and
// fields holding their default value are absent (a dependency with healthy=false has no
// "healthy" key), so normalise those defaults here once.
export async function systemGetInfo() {
  const info = await apiRequest({ method: 'GET', path: '/api/v1/system/info' })
  return {
    name: info.name || '',
    nameEn: info.nameEn || '',
    version: info.version || '',
    buildTime: info.buildTime || '',
    serverTime: info.serverTime || '',
    schemaVersion: info.schemaVersion || '0',
    uptimeSeconds: info.uptimeSeconds || '0',
    dependencies: (info.dependencies || []).map((d) => ({
      name: d.name || '',
      healthy: d.healthy === true,
      detail: d.detail || '',
      latencyMs: typeof d.latencyMs === 'number' ? d.latencyMs : Number(d.latencyMs || 0),
    })),
  }
}
