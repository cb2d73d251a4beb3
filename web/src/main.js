import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import { i18n } from './lib/i18n.js'
import './styles.css'

createApp(App).use(router).use(i18n).mount('#app')

// The service worker makes the shell open offline. It is registered after the page's load
// event: its precaching then never competes with the first screen's own requests.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  const register = () => import('virtual:pwa-register').then(({ registerSW }) => registerSW({ immediate: true }))
  if (document.readyState === 'complete') register()
  else window.addEventListener('load', register, { once: true })
}
