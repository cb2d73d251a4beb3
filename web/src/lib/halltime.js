// Halls keep China Standard Time: slots and appointments are shown in it wherever the
// phone is, so "09:00" at the hall is 09:00 on the screen.
const ZONE = 'Asia/Shanghai'

export function hallTime(value, locale = 'zh-CN') {
  if (!value) return ''
  return new Date(value).toLocaleTimeString(locale, { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hour12: false })
}

export function hallDate(value, locale = 'zh-CN') {
  if (!value) return ''
  // A bare YYYY-MM-DD is a hall day: read it at noon in the hall's zone.
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00+08:00`) : new Date(value)
  return d.toLocaleDateString(locale, { timeZone: ZONE, month: 'long', day: 'numeric', weekday: 'short' })
}

export function hallDateTime(value, locale = 'zh-CN') {
  return value ? `${hallDate(value, locale)} ${hallTime(value, locale)}` : ''
}
