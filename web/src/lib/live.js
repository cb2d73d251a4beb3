// Live notifications over the gateway's Server-Sent Events stream, read with fetch()
// (EventSource cannot send the Authorization header). Resumes with Last-Event-ID,
// refreshes the token when the stream says it expired, reconnects after a pause.
import { reactive } from 'vue'
import { refreshTokens } from './api.js'
import { session } from './session.js'

// `queue` is the latest place in a hall's queue for one of the user's appointments
// (`event: queue`); `queueSeq` counts them, as `seq` counts notifications.
export const live = reactive({ connected: false, last: null, seq: 0, queue: null, queueSeq: 0 })

let controller = null
let lastId = ''

function dispatch(event, data, id) {
  if (id) lastId = id
  if (event === 'queue') {
    try { live.queue = JSON.parse(data); live.queueSeq += 1 } catch { /* a malformed event is skipped */ }
    return event
  }
  if (event !== 'notification') return event
  try {
    live.last = JSON.parse(data)
    live.seq += 1
  } catch { /* a malformed event is skipped */ }
  return event
}

async function readStream(signal) {
  const headers = { authorization: `Bearer ${session.tokens.access_token}`, accept: 'text/event-stream' }
  if (lastId) headers['Last-Event-ID'] = lastId
  const resp = await fetch('/v1/notifications/stream', { headers, signal, cache: 'no-store' })
  if (resp.status === 401) return 'token_expired'
  if (!resp.ok || !resp.body) return 'error'
  live.connected = true
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  let outcome = 'closed'
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += value
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'; let id = ''; const data = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('id:')) id = line.slice(3).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
      }
      if (dispatch(event, data.join('\n'), id) === 'token_expired') outcome = 'token_expired'
    }
  }
  return outcome
}

export function startLive() {
  stopLive()
  const mine = new AbortController()
  controller = mine
  ;(async () => {
    let pause = 1000
    while (!mine.signal.aborted && session.tokens) {
      let outcome = 'error'
      try {
        outcome = await readStream(mine.signal)
        if (outcome === 'token_expired') { await refreshTokens(); pause = 1000; continue }
      } catch { /* offline or aborted: wait and retry */ }
      live.connected = false
      if (mine.signal.aborted) break
      if (outcome === 'closed') pause = 1000
      await new Promise((resolve) => setTimeout(resolve, pause))
      pause = Math.min(pause * 2, 30000)
    }
    live.connected = false
  })()
}

export function stopLive() {
  controller?.abort()
  controller = null
  live.connected = false
}
