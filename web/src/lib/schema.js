// The application form from an item's JSON Schema: field order, empty values, client
// checks and the payload. The checks mirror what the server's JSON Schema validator
// enforces for the keywords items use (required, type, minLength, maxLength, pattern,
// enum, minimum, maximum, exclusiveMinimum, exclusiveMaximum, format date, minItems,
// maxItems); the server stays the judge and its field errors are shown the same way.

export function orderedKeys(schema) {
  const props = Object.keys(schema?.properties || {})
  const order = (schema?.['x-property-order'] || []).filter((k) => props.includes(k))
  return [...order, ...props.filter((k) => !order.includes(k)).sort()]
}

export function kindOf(s = {}) {
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type
  if (Array.isArray(s.enum)) return 'enum'
  if (type === 'string' && s.format === 'date') return 'date'
  if (type === 'string') return 'string'
  if (type === 'integer') return 'integer'
  if (type === 'number') return 'number'
  if (type === 'boolean') return 'boolean'
  if (type === 'array' && s.items?.type === 'object') return 'objects'
  if (type === 'array') return 'list'
  if (type === 'object') return 'object'
  return 'string'
}

export function emptyValue(s = {}) {
  if (s.default !== undefined) return structuredClone(s.default)
  switch (kindOf(s)) {
    case 'boolean': return false
    case 'objects': case 'list': return []
    case 'object': return Object.fromEntries(orderedKeys(s).map((k) => [k, emptyValue(s.properties[k])]))
    default: return ''
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
function isDate(v) {
  const m = DATE.exec(v)
  if (!m) return false
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]))
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3]
}

const blank = (v) => v === '' || v === null || v === undefined

// The JSON value the server receives: blanks dropped, numbers as numbers.
export function payload(s, v) {
  const kind = kindOf(s)
  if (kind === 'object') {
    const out = {}
    for (const k of orderedKeys(s)) {
      const x = payload(s.properties[k], v?.[k])
      if (x !== undefined) out[k] = x
    }
    return out
  }
  if (kind === 'objects') return (v || []).map((item) => payload(s.items, item))
  if (kind === 'list') return (v || []).filter((x) => !blank(x))
  if (blank(v)) return undefined
  if (kind === 'number' || kind === 'integer') {
    const n = Number(v)
    return Number.isNaN(n) ? v : n
  }
  return v
}

function check(s, v, path, required, t, out) {
  const kind = kindOf(s)
  if (kind === 'object') {
    const req = s.required || []
    for (const k of orderedKeys(s)) check(s.properties[k], v?.[k], path ? `${path}.${k}` : k, req.includes(k), t, out)
    return
  }
  if (kind === 'objects' || kind === 'list') {
    const items = v || []
    if (required && items.length === 0 && (s.minItems ?? 1) > 0) out[path] = t('form.required')
    else if (s.minItems && items.length < s.minItems) out[path] = t('form.minItems', { n: s.minItems })
    else if (s.maxItems && items.length > s.maxItems) out[path] = t('form.maxItems', { n: s.maxItems })
    if (kind === 'objects') items.forEach((item, i) => check(s.items, item, `${path}.${i}`, true, t, out))
    return
  }
  if (kind === 'boolean') {
    if (required && (v === undefined || v === null)) out[path] = t('form.required')
    return
  }
  if (blank(v)) {
    if (required) out[path] = t('form.required')
    return
  }
  if (kind === 'number' || kind === 'integer') {
    const n = Number(v)
    if (String(v).trim() === '' || Number.isNaN(n)) { out[path] = t('form.number'); return }
    if (kind === 'integer' && !Number.isInteger(n)) { out[path] = t('form.integer'); return }
    if (s.minimum !== undefined && n < s.minimum) out[path] = t('form.minimum', { n: s.minimum })
    else if (s.maximum !== undefined && n > s.maximum) out[path] = t('form.maximum', { n: s.maximum })
    else if (s.exclusiveMinimum !== undefined && n <= s.exclusiveMinimum) out[path] = t('form.exclusiveMinimum', { n: s.exclusiveMinimum })
    else if (s.exclusiveMaximum !== undefined && n >= s.exclusiveMaximum) out[path] = t('form.exclusiveMaximum', { n: s.exclusiveMaximum })
    return
  }
  const text = String(v)
  const length = [...text].length // JSON Schema counts code points
  if (kind === 'enum' && !s.enum.includes(v)) out[path] = t('form.choose')
  else if (s.minLength !== undefined && length < s.minLength) out[path] = t('form.minLength', { n: s.minLength })
  else if (s.maxLength !== undefined && length > s.maxLength) out[path] = t('form.maxLength', { n: s.maxLength })
  else if (s.pattern && !new RegExp(s.pattern, 'u').test(text)) out[path] = t('form.pattern')
  else if (kind === 'date' && !isDate(text)) out[path] = t('form.date')
}

// {path: message} for every field that fails; paths are dotted ("people.0.name").
export function validate(schema, value, t) {
  const out = {}
  check(schema, value, '', true, t, out)
  return out
}

// A server field path ("form.people[0].name" or "form.people.0.name") as a form path.
// The form field a server error names (`form.items[0].name`), or null for other fields.
export function formField(field) {
  return field === 'form' || field.startsWith('form.') || field.startsWith('form[') ? formPath(field) : null
}

export function formPath(field) {
  return field.replace(/^form\.?/, '').replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '')
}
