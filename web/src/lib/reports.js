// 随手拍: the mobile API's report calls (docs/reports.md), beside api.js's calls.
import { newKey, request } from './api.js'

const enc = encodeURIComponent
const data = async (promise) => (await promise).data

// The categories where the phone is (and the county or city that will handle the report).
export const categoriesAt = (lat, lng) => data(request('GET', `/v1/report-categories?lat=${lat}&lng=${lng}`, { auth: false }))
export const submitReport = (body, key = newKey()) => data(request('POST', '/v1/reports', { body, headers: { 'Idempotency-Key': key } }))
export const myReports = () => data(request('GET', '/v1/reports?page_size=50'))
export const getReport = (id) => request('GET', `/v1/reports/${enc(id)}`)
export const actOnReport = (id, etag, body) => data(request('POST', `/v1/reports/${enc(id)}/actions`, { body, headers: { 'If-Match': etag } }))
export const reopenReport = (id, etag, comment) => data(request('POST', `/v1/reports/${enc(id)}/reopen`, { body: { comment }, headers: { 'If-Match': etag } }))
export const rateReport = (id, score, comment) => data(request('POST', `/v1/reports/${enc(id)}/rating`, { body: { score, comment } }))

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
