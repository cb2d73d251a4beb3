// Chinese first; English by switch (remembered). The accessible names that tests and other
// clients rely on are the zh-CN strings here.
import { createI18n } from 'vue-i18n'
import zh from './locale-zh.js'
import en from './locale-en.js'

const saved = localStorage.getItem('mgov.locale')
export const i18n = createI18n({ legacy: false, locale: saved === 'en' ? 'en' : 'zh-CN', fallbackLocale: 'zh-CN', messages: { 'zh-CN': zh, en } })

export function setLocale(locale) {
  i18n.global.locale.value = locale
  localStorage.setItem('mgov.locale', locale)
  document.documentElement.lang = locale
}

// A {zh, en} text of the API in the current language.
export function localized(text) {
  if (!text) return ''
  if (typeof text === 'string') return text
  return (i18n.global.locale.value === 'en' && text.en) || text.zh || text.en || ''
}
