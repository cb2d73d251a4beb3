// The one module that talks to the mobile API (/v1). Every call the app makes is a
// function here, so a change of the API (e.g. sign-up gaining a verification step) is
// made in one place. Errors are ApiError with the problem+json `detail` and field errors;
// a 401 refreshes the token pair once (rotating refresh token) and retries, unnoticed.
import { session, setTokens } from './session.js'

export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.status = status
    this.code = problem.code || (status === 0 ? 'offline' : '')
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
    this.problem = problem // the whole problem, for fields a screen acts on (e.g. suggested_slots)
  }

  // {field: message} for the errors under `prefix` (e.g. 'form.' for the application form).
  fieldErrors(prefix = '') {
    const out = {}
    for (const e of this.errors) {
      if (typeof e.field === 'string' && e.field.startsWith(prefix)) out[e.field.slice(prefix.length)] = e.message
    }
    return out
  }
}

export function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

async function problemOf(resp) {
  try { return await resp.json() } catch { return {} }
}

function authHeaders() {
  return session.tokens ? { authorization: `Bearer ${session.tokens.access_token}` } : {}
}

let refreshing = null

// Exchange the refresh token for a new pair; concurrent callers share one exchange.
export function refreshTokens() {
  if (!refreshing) {
    refreshing = (async () => {
      const rt = session.tokens?.refresh_token
      if (!rt) throw new ApiError(401, { detail: '', code: 'signed_out' })
      const resp = await fetch('/v1/auth/refresh', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: rt }),
      }).catch(() => { throw new ApiError(0) })
      if (!resp.ok) {
        const problem = await problemOf(resp)
        if (resp.status < 500) { setTokens(null); session.user = null }
        throw new ApiError(resp.status, problem)
      }
      setTokens(await resp.json())
    })().finally(() => { refreshing = null })
  }
  return refreshing
}

async function send(method, path, { body, form, headers = {}, auth = true } = {}) {
  const init = { method, headers: { ...(auth ? authHeaders() : {}), ...headers } }
  if (form !== undefined) init.body = form // multipart: the browser sets the boundary
  else if (body !== undefined) {
    init.headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  try {
    return await fetch(path, init)
  } catch {
    throw new ApiError(0)
  }
}

export async function request(method, path, options = {}) {
  let resp = await send(method, path, options)
  if (resp.status === 401 && options.auth !== false && session.tokens) {
    await refreshTokens()
    resp = await send(method, path, options)
  }
  if (!resp.ok) throw new ApiError(resp.status, await problemOf(resp))
  if (resp.status === 204) return { data: null, etag: null }
  if (options.as === 'blob') return { data: await resp.blob(), etag: resp.headers.get('etag') }
  return { data: await resp.json(), etag: resp.headers.get('etag') }
}

const get = async (path, options) => (await request('GET', path, options)).data
const post = async (path, body, options = {}) => (await request('POST', path, { ...options, body })).data
const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v != null)).toString()

// Accounts. Sign-up has two steps: the form sends an SMS code (202 with a registration
// id), the code confirms it and signs the new account in.
export const register = (tenantId, phone, password, name) =>
  post('/v1/auth/register', { tenant_id: tenantId, phone, password, name }, { auth: false })
export async function confirmRegistration(registrationId, code) {
  setTokens(await post('/v1/auth/register/confirm', { registration_id: registrationId, code }, { auth: false }))
  return loadMe()
}
export async function signIn(phone, password) {
  setTokens(await post('/v1/auth/token', { username: phone, password }, { auth: false }))
  return loadMe()
}
export async function signOut() {
  const rt = session.tokens?.refresh_token
  try {
    if (rt) await post('/v1/auth/logout', { refresh_token: rt })
  } finally {
    setTokens(null)
    session.user = null
    session.unread = 0
  }
}
export async function loadMe() {
  session.user = await get('/v1/me')
  return session.user
}

// Catalogue.
// The whole tenant tree (a province has a few hundred tenants), every page of it.
export async function tenants() {
  const items = []
  let token = ''
  do {
    const page = await get(`/v1/tenants?${q({ page_size: 500, page_token: token })}`, { auth: false })
    items.push(...page.items)
    token = page.next_page_token
  } while (token)
  return { items }
}
export const searchServices = (tenantId, params = {}) => get(`/v1/tenants/${encodeURIComponent(tenantId)}/services?${q({ page_size: 50, ...params })}`)
export const service = (id, version = 0) => get(`/v1/services/${encodeURIComponent(id)}${version ? `?${q({ version })}` : ''}`)
export const notices = (tenantId) => get(`/v1/tenants/${encodeURIComponent(tenantId)}/notices?page_size=10`)
export const definition = (tenantId, id, version) =>
  get(`/v1/tenants/${encodeURIComponent(tenantId)}/workflows/${encodeURIComponent(id)}?${q({ version })}`)

// Cases.
export const apply = (body, key) => post('/v1/applications', body, { headers: { 'Idempotency-Key': key } })
export const myCases = () => get('/v1/applications?page_size=50')
export const getCase = (id) => request('GET', `/v1/applications/${encodeURIComponent(id)}`)
export const act = (id, etag, body, key) =>
  request('POST', `/v1/applications/${encodeURIComponent(id)}/actions`, { body, headers: { 'If-Match': etag, 'Idempotency-Key': key } })
export const rate = (id, score, comment) => post(`/v1/applications/${encodeURIComponent(id)}/rating`, { score, comment })

// A material, before applying (no case id) or for a case; onProgress(0..100).
// `phoneToken`: a 随手拍 reporter without an account holds the photo with their phone token.
export function upload(file, materialCode, onProgress, caseId = '', phoneToken = '') {
  const path = caseId ? `/v1/applications/${encodeURIComponent(caseId)}/materials` : '/v1/materials'
  const once = () => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path)
    if (phoneToken) xhr.setRequestHeader('Phone-Token', phoneToken)
    else if (session.tokens) xhr.setRequestHeader('authorization', `Bearer ${session.tokens.access_token}`)
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress?.(Math.round((e.loaded / e.total) * 100)) }
    xhr.onload = () => {
      let body = {}
      try { body = JSON.parse(xhr.responseText) } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body)
      else reject(new ApiError(xhr.status, body))
    }
    xhr.onerror = () => reject(new ApiError(0))
    const data = new FormData()
    data.append('file', file)
    if (materialCode) data.append('material_code', materialCode)
    xhr.send(data)
  })
  return once().catch(async (err) => {
    if (err.status !== 401 || !session.tokens) throw err
    await refreshTokens()
    return once()
  })
}

// Staff inbox.
export const tasks = () => get('/v1/tasks?page_size=100')
export const claim = (taskId) => post(`/v1/tasks/${encodeURIComponent(taskId)}/claim`)

// Notifications, devices, preferences.
export const inbox = () => get('/v1/notifications?page_size=50')
export const markRead = (id) => post(`/v1/notifications/${encodeURIComponent(id)}/read`)
export const markAllRead = () => post('/v1/notifications/read-all')
export const webPushKey = () => get('/v1/devices/web-push-key', { auth: false })
export const registerDevice = (token, name) => post('/v1/devices', { platform: 'web', token, name })
export const preferences = () => get('/v1/me/preferences')
export const savePreferences = (prefs) => request('PUT', '/v1/me/preferences', { body: prefs }).then((r) => r.data)
export const unreadCount = async () => (await get('/v1/notifications?unread_only=true&page_size=1')).unread_count || 0

// Invitations to be staff: accepting makes the roles the user's; a fresh token carries them.
export const myInvitations = async () => (await get('/v1/me/invitations')).items
export async function answerInvitation(id, accept) {
  const out = await post(`/v1/me/invitations/${encodeURIComponent(id)}/${accept ? 'accept' : 'decline'}`)
  if (accept) { await refreshTokens(); await loadMe() }
  return out
}

// Rectification tasks (整改) opened by a poor rating: read, close with the callback and outcome.
export const rectification = (id) => get(`/v1/rectifications/${encodeURIComponent(id)}`)
export const closeRectification = (id, callback, outcome) => post(`/v1/rectifications/${encodeURIComponent(id)}/close`, { callback, outcome })

// Payments (网上支付): a case's payment order, starting a payment (the provider's page to
// confirm it on), and the signed receipts. Amounts are integers of fen.
export const casePayment = (caseId) => get(`/v1/applications/${encodeURIComponent(caseId)}/payment`)
export const startPayment = (orderId) => post(`/v1/payments/${encodeURIComponent(orderId)}/pay`)
export const receipt = (id) => get(`/v1/receipts/${encodeURIComponent(id)}`)
export const verifyReceipt = (id) => get(`/v1/receipts/${encodeURIComponent(id)}/verify`, { auth: false })
// Finance staff: a tenant's reconciliation findings, a page at a time, and a partial refund
// (the Idempotency-Key is the refund's key: a repeat answers the same refund).
export const reconciliationFindings = (tenantId, pageToken = '') =>
  get(`/v1/tenants/${encodeURIComponent(tenantId)}/reconciliation-findings?${q({ page_size: 20, page_token: pageToken })}`)
export const refundPayment = (orderId, amountFen, reason, key) =>
  post(`/v1/payments/${encodeURIComponent(orderId)}/refunds`, { amount_fen: amountFen, reason }, { headers: { 'Idempotency-Key': key } })
export const yuan = (fen) => `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`

// Appointments (网上预约): halls and their slots, booking, the citizen's appointments, and
// the hall desk (签到, 叫号). A full slot is ApiError `slot_full` with problem.suggested_slots.
const enc = encodeURIComponent
export const halls = (tenantId, serviceId) => get(`/v1/halls?${q({ tenant_id: tenantId, service_id: serviceId })}`, { auth: false })
export const hallSlots = (hallId, serviceId, date = '') => get(`/v1/halls/${enc(hallId)}/slots?${q({ service_id: serviceId, date })}`, { auth: false })
export const book = (body, key) => post('/v1/appointments', body, { headers: { 'Idempotency-Key': key } })
export const myAppointments = () => get('/v1/appointments')
export const appointment = (id) => get(`/v1/appointments/${enc(id)}`)
export const cancelAppointment = (id) => post(`/v1/appointments/${enc(id)}/cancel`)
export const rescheduleAppointment = (id, slotStartTime) => post(`/v1/appointments/${enc(id)}/reschedule`, { slot_start_time: slotStartTime })
export const checkIn = (hallId, code) => post(`/v1/halls/${enc(hallId)}/check-ins`, { code })
export const callNext = (hallId) => post(`/v1/halls/${enc(hallId)}/calls`)
export const hallQueue = (hallId) => get(`/v1/halls/${enc(hallId)}/queue`)

// 运营 (insight): figures of a tenant and its subtree, zombies and their actions; usage the app reports.
const tenantPath = (t) => `/v1/tenants/${encodeURIComponent(t)}/insight`
export const insightItems = (t, params = {}) => get(`${tenantPath(t)}/items?${q({ page_size: 100, ...params })}`)
export const insightRankings = (t) => get(`${tenantPath(t)}/rankings?page_size=100`)
// The tenant's own departments (own_only), one department, one item of the subtree.
export const insightDepartments = (t, params = {}) => get(`${tenantPath(t)}/departments?${q({ page_size: 100, own_only: true, ...params })}`)
export const insightDepartment = (t, department) => get(`${tenantPath(t)}/departments/${encodeURIComponent(department)}`)
export const insightItem = (t, id) => get(`${tenantPath(t)}/items/${encodeURIComponent(id)}`)
// A listing (items, departments...) as the API's CSV file (every page, as a Blob).
export const insightCsv = (t, what, params = {}) => get(`${tenantPath(t)}/${what}?${q({ ...params, format: 'csv' })}`, { as: 'blob' })
export const insightDaily = (t) => get(`${tenantPath(t)}/daily`)
export const insightZombies = (t) => get(`${tenantPath(t)}/zombies?page_size=100`)
export const actOnZombie = (t, zombie, reason) =>
  post(`${tenantPath(t)}/zombies/actions`, { kind: zombie.kind, target_id: zombie.target_id, action: zombie.action, reason })
// Fire and forget: a lost usage report must never disturb the citizen.
export function recordUsage(itemId, kind) {
  request('POST', '/v1/insight/usage', { body: { item_id: itemId, kind } }).catch(() => {})
}
