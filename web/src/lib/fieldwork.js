// 移动执法: the inspector's API calls and the offline queue (docs/enforcement.md).
//
// An inspection started online can be finished without a connection. What the inspector
// does on site — evidence captured with the device's time and position, the record, their
// confirmation — is written to IndexedDB first, each with its own Idempotency-Key, and sent
// in order when there is a connection. The server answers a key it already stored with
// the same result, so an upload cut off after the server took it is sent again without
// being stored twice; an item leaves the queue only once the server has answered it.
import { openDB } from 'idb'
import { reactive } from 'vue'
import { ApiError, newKey, request } from './api.js'

const enc = encodeURIComponent
const data = async (promise) => (await promise).data

export const myInspections = (openOnly = true) => data(request('GET', `/v1/inspections?open_only=${openOnly}&page_size=100`))
export const getInspection = (id) => data(request('GET', `/v1/inspections/${enc(id)}`))
export const startInspection = (id) => data(request('POST', `/v1/inspections/${enc(id)}/start`))
export const listEvidence = (id) => data(request('GET', `/v1/inspections/${enc(id)}/evidence`))
export const evidenceFile = (id, seq) => data(request('GET', `/v1/inspections/${enc(id)}/evidence/${seq}/file`, { as: 'blob' }))
export const verifyEvidence = (id) => data(request('GET', `/v1/inspections/${enc(id)}/evidence/verification`))

// The queue's state for the screens: how many items wait, whether a flush is running.
export const queue = reactive({ pending: 0, flushing: false, failed: null })

let dbPromise = null
function db() {
  dbPromise ??= openDB('mgov-fieldwork', 1, {
    upgrade(d) {
      const items = d.createObjectStore('queue', { keyPath: 'key' })
      items.createIndex('by_time', 'queued')
      d.createObjectStore('drafts', { keyPath: 'id' }) // checklist answers in progress, per inspection
    },
  })
  return dbPromise
}

async function count() { queue.pending = await (await db()).count('queue') }

// kind: evidence {file, kind, device_time, position, note, sha256?} | record {body} | confirm {body}
export async function enqueue(inspectionId, kind, payload) {
  const item = { key: newKey(), inspectionId, kind, payload, queued: Date.now() }
  await (await db()).put('queue', item)
  await count()
  flush()
  return item
}

export async function pendingFor(inspectionId) {
  const all = await (await db()).getAllFromIndex('queue', 'by_time')
  return all.filter((i) => i.inspectionId === inspectionId)
}

function send(item) {
  const path = `/v1/inspections/${enc(item.inspectionId)}`
  const headers = { 'Idempotency-Key': item.key }
  if (item.kind === 'evidence') {
    const p = item.payload
    const form = new FormData()
    form.append('file', p.file, p.name || 'evidence')
    form.append('kind', p.kind)
    form.append('device_time', p.device_time)
    if (p.position) {
      form.append('latitude', String(p.position.latitude))
      form.append('longitude', String(p.position.longitude))
      form.append('accuracy_m', String(Math.min(p.position.accuracy_m || 0, 100000)))
    }
    if (p.note) form.append('note', p.note)
    if (p.sha256) form.append('sha256', p.sha256)
    return request('POST', `${path}/evidence`, { form, headers })
  }
  if (item.kind === 'record') return request('POST', `${path}/record`, { body: item.payload, headers })
  return request('POST', `${path}/confirmations`, { body: item.payload, headers })
}

let running = null
let retryIn = 1000
let retryTimer = null

// A send that failed while the phone says it is online (a cut connection, a server away):
// tried again after 1 s, 2 s, 4 s ... up to a minute; offline, the 'online' event does it.
function retryLater() {
  if (retryTimer || !navigator.onLine) return
  retryTimer = setTimeout(() => { retryTimer = null; flush() }, retryIn)
  retryIn = Math.min(retryIn * 2, 60000)
}

// Send what waits, oldest first; stops at the first item that could not reach the server
// (it stays, and so does everything after it: the record never overtakes its evidence).
export function flush() {
  running ??= (async () => {
    queue.flushing = true
    try {
      for (;;) {
        const [item] = await (await db()).getAllFromIndex('queue', 'by_time', null, 1)
        if (!item) break
        try {
          await send(item)
          retryIn = 1000
        } catch (err) {
          if (!(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.status === 429 || err.status === 401) {
            retryLater()
            break
          }
          queue.failed = err // refused (4xx): kept out of the way so the rest can go
        }
        await (await db()).delete('queue', item.key)
        await count()
      }
    } finally {
      queue.flushing = false
      running = null
      await count()
    }
  })()
  return running
}

// The hex SHA-256 of a Blob ('' where the browser offers no Web Crypto, outside a secure context).
export async function sha256Hex(blob) {
  if (!globalThis.crypto?.subtle) return ''
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

export async function saveDraft(id, answers) { await (await db()).put('drafts', { id, answers }) }
export async function loadDraft(id) { return (await (await db()).get('drafts', id))?.answers || null }

// The phone's position (null when it is unavailable or refused): evidence is kept without one.
export function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(null); return }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy_m: p.coords.accuracy || 0 }),
      () => resolve(null), { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 })
  })
}

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => flush())
  count().then(() => { if (queue.pending && navigator.onLine) flush() })
}
