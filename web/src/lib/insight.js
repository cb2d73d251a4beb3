// 运营 (insight) screens' shared reading: whose dashboard it is, the way down from there
// (breadcrumb), and how figures read (rates as %, "—" without data).
import { computed } from 'vue'
import { tenants } from './api.js'
import { i18n, localized } from './i18n.js'
import { session } from './session.js'

export const VIEWERS = ['tenant_admin', 'province_admin', 'supervisor']

// The tenants whose figures the signed-in person reads (and everything below them).
export const homes = computed(() => (session.user?.roles || []).filter((r) => VIEWERS.includes(r.role)).map((r) => r.tenant_id))
export const home = computed(() => homes.value[0] || '')

export const pct = (v) => (v < 0 ? '—' : `${Math.round(v * 100)}%`)
export const avg = (v) => (v < 0 ? '—' : v.toFixed(1))
// An API row's name in the current language (insight rows carry name_zh / name_en).
export const rowName = (x) => (i18n.global.locale.value === 'en' && x.name_en) || x.name_zh || x.tenant_id || x.target_id || ''

// The tenant tree, fetched once per page load (it is public and changes rarely).
let tree = null
export function tenantTree() {
  if (!tree) {
    tree = tenants().then(({ items }) => new Map(items.map((t) => [t.id, t]))).catch((err) => { tree = null; throw err })
  }
  return tree
}

// From the highest tenant the person may read down to `tenant`: [{ id, name }]. Tenants
// above what they may read are not shown (they could not open them).
export function trail(byId, tenant, readable) {
  const chain = []
  for (let id = tenant; id && chain.length < 10; id = byId.get(id)?.parent_id) chain.unshift(id)
  const top = chain.findIndex((id) => readable.includes(id))
  return chain.slice(top < 0 ? chain.length - 1 : top).map((id) => ({ id, name: localized(byId.get(id)?.name) || id }))
}

// A tenant, department or item outside the person's subtree answers 404: said in their words.
export function shownError(err) {
  if (err?.status === 404) return { status: 404, message: i18n.global.t('insight.notVisible') }
  return err
}
