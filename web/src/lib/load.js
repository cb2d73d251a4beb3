// A screen's data: loading, the value, the error (an ApiError) and a reload.
import { ref } from 'vue'

export function useLoad(fn) {
  const data = ref(null)
  const loading = ref(true)
  const error = ref(null)
  async function reload(...args) {
    loading.value = true
    error.value = null
    try {
      data.value = await fn(...args)
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
  }
  return { data, loading, error, reload }
}
