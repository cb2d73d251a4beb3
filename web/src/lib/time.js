// Timestamps of the API are `*_time` (create_time, update_time, due_time, ...), RFC 3339
// UTC (docs/api.md; the gateway's OpenAPI test holds every response to it).
export function timeOf(obj, stem) {
  return obj?.[`${stem}_time`] ?? null
}

export function formatTime(value, locale = 'zh-CN') {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  return d.toLocaleString(locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
}
