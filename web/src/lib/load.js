// A screen's data: loading, the value, the error (an ApiError) and a reload.
// Only the latest reload's answer is kept: a screen reused for another region or item
// (same view, new URL) reloads before the previous answer arrived, and that answer,
// coming last, must not replace the one the user went on to.
import { ref } from 'vue'

export function useLoad(fn) {
  const data = ref(null)
  const loading = ref(true)
  const error = ref(null)
  let latest = 0
  async function reload(...args) {
    const mine = ++latest
    loading.value = true
    error.value = null
    try {
      const value = await fn(...args)
      if (mine === latest) data.value = value
    } catch (err) {
      if (mine === latest) error.value = err
    } finally {
      if (mine === latest) loading.value = false
    }
  }
  return { data, loading, error, reload }
}
