// Timestamps of the API are `*_time` (create_time, update_time, due_time, ...). Some
// responses still carry the older `*_at` names (created_at, updated_at, due_at) while the
// services move over: read a timestamp through here, never by field name directly.
export function timeOf(obj, stem) {
  if (!obj) return null
  const legacy = { create: 'created_at', update: 'updated_at', due: 'due_at' }[stem] || `${stem}_at`
  return obj[`${stem}_time`] ?? obj[legacy] ?? null
}

export function formatTime(value, locale = 'zh-CN') {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  return d.toLocaleString(locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
}
