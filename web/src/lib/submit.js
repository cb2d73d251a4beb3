// Sending a form, the same way on every screen:
// - one request at a time: a double tap (or Enter pressed twice) sends once;
// - an Idempotency-Key per submission, kept while the outcome is unknown (offline, 5xx: a
//   retry is the same request and the server answers it once) and replaced once the server
//   has answered (a success, or a 4xx refusal, after which a corrected body is a new request);
// - the problem to show (an ApiError's detail, or a client-side check's message) and the
//   field errors, from the checks before sending or from ApiError.fieldErrors after.
import { ref } from 'vue'
import { newKey } from './api.js'

// options.field(serverField) names the screen's field for a server field (null: not one of
// this form's fields); options.invalid is the problem shown when client-side checks fail (or
// a function giving it, so it follows a change of language).
export function useSubmit({ field = (name) => name, invalid = null } = {}) {
  const busy = ref(false) // while sending: true, or the tag given to run (e.g. the action)
  const problem = ref(null)
  const errors = ref({})
  let key = newKey()

  function fieldsOf(err) {
    const out = {}
    for (const [name, message] of Object.entries(err?.fieldErrors?.() || {})) {
      const mine = field(name)
      if (mine != null && !(mine in out)) out[mine] = message
    }
    return out
  }

  // send(key) does the request; check() returns client-side field errors ({} when none);
  // onError(err) may return the problem to show instead of err. Resolves to send's value,
  // or undefined when nothing was sent or the request failed.
  async function run(send, { check = null, onError = null, tag = true } = {}) {
    if (busy.value) return undefined
    problem.value = null
    errors.value = check ? check() : {}
    if (Object.keys(errors.value).length) {
      problem.value = typeof invalid === 'function' ? invalid() : invalid
      return undefined
    }
    busy.value = tag
    try {
      const value = await send(key)
      key = newKey()
      return value
    } catch (err) {
      if (err?.status >= 400 && err.status < 500) key = newKey()
      errors.value = fieldsOf(err)
      problem.value = (onError && onError(err)) || err
      return undefined
    } finally {
      busy.value = false
    }
  }

  // What the user is about to send changed (another slot, say): the next send is a new
  // request even if the last one's outcome is still unknown.
  function renew() { key = newKey() }

  return { busy, problem, errors, run, renew }
}
