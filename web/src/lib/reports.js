// 随手拍: the mobile API's report calls (docs/reports.md), beside api.js's calls.
import { newKey, request } from './api.js'

const enc = encodeURIComponent
const data = async (promise) => (await promise).data

// The categories where the phone is (and the county or city that will handle the report).
export const categoriesAt = (lat, lng) => data(request('GET', `/v1/report-categories?lat=${lat}&lng=${lng}`, { auth: false }))
// Without an account (`body.phone_token`) the call carries no access token.
export const submitReport = (body, key = newKey()) =>
  data(request('POST', '/v1/reports', { body, headers: { 'Idempotency-Key': key }, auth: !body.phone_token }))
export const myReports = () => data(request('GET', '/v1/reports?page_size=50'))
// A reporter without an account reads their report with the token its submission answered.
const byToken = (token) => (token ? { auth: false, headers: { 'Report-Token': token } } : {})
export const getReport = (id, token = '') => request('GET', `/v1/reports/${enc(id)}`, byToken(token))
export const setPhotoPublic = (id, photoId, shown) =>
  data(request('PUT', `/v1/reports/${enc(id)}/photos/${enc(photoId)}/public`, { body: { public: shown } }))

// A photo's bytes as an object URL (the photo routes need the caller's token, which <img> cannot send).
export async function photoUrl(id, photoId, token = '') {
  const blob = await data(request('GET', `/v1/reports/${enc(id)}/photos/${enc(photoId)}`, { ...byToken(token), as: 'blob' }))
  return URL.createObjectURL(blob)
}

// Reporting without an account: a code by SMS proves the phone; the phone token reports.
export const sendPhoneCode = (tenantId, phone) => data(request('POST', '/v1/report-verifications', { body: { tenant_id: tenantId, phone }, auth: false }))
export const confirmPhoneCode = (verificationId, code) =>
  data(request('POST', '/v1/report-verifications/confirm', { body: { verification_id: verificationId, code }, auth: false }))

// The report tokens this device holds ({report id: {token, number, time}}), kept in localStorage.
const TOKENS = 'mgov.reportTokens'
export function reportTokens() {
  try { return JSON.parse(localStorage.getItem(TOKENS) || '{}') } catch { return {} }
}
export function keepReportToken(report) {
  const all = reportTokens()
  all[report.id] = { token: report.access_token, number: report.report_number, time: report.create_time }
  try { localStorage.setItem(TOKENS, JSON.stringify(all)) } catch { /* private mode: the token lives for this page only */ }
}

// The map under the report form (GET /v1/report-map): its tile URL template and attribution;
// an empty tile_url means this deployment shows no map.
export const mapSettings = () => data(request('GET', '/v1/report-map', { auth: false }))
// A reporter's calls; without an account (`token`: the report token) with that token instead of an access token.
const withToken = (token, headers = {}) => (token ? { auth: false, headers: { ...headers, 'Report-Token': token } } : { headers })
export const actOnReport = (id, etag, body, token = '') =>
  data(request('POST', `/v1/reports/${enc(id)}/actions`, { body, ...withToken(token, { 'If-Match': etag }) }))
export const reopenReport = (id, etag, comment, token = '') =>
  data(request('POST', `/v1/reports/${enc(id)}/reopen`, { body: { comment }, ...withToken(token, { 'If-Match': etag }) }))
export const rateReport = (id, score, comment, token = '') =>
  data(request('POST', `/v1/reports/${enc(id)}/rating`, { body: { score, comment }, ...withToken(token) }))

// The phone's position, as a promise; rejects with the GeolocationPositionError (or 'unsupported').
export function here() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(Object.assign(new Error('unsupported'), { code: 'unsupported' })); return }
    navigator.geolocation.getCurrentPosition((p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy }),
      reject, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 })
  })
}

// A map link for a place (staff open it in the phone's map app or browser).
export const mapLink = (p) => `https://www.openstreetmap.org/?mlat=${p.lat}&mlon=${p.lng}#map=18/${p.lat}/${p.lng}`
