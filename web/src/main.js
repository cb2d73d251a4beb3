import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import { i18n } from './lib/i18n.js'
import './styles.css'

createApp(App).use(router).use(i18n).mount('#app')

// The service worker makes the shell open offline; it is registered once the app is up.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  import('virtual:pwa-register').then(({ registerSW }) => registerSW({ immediate: true }))
}
