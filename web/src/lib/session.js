// The signed-in session and the chosen region, kept in localStorage so a reload (and the
// offline shell) remembers them. Tokens are replaced as a pair: the refresh token rotates.
import { reactive } from 'vue'

const KEY = 'mgov.session'
const REGION_KEY = 'mgov.region'
const STAFF_ROLES = ['clerk', 'approver', 'supervisor', 'tenant_admin', 'province_admin', 'dispatcher', 'inspector']

function load(key, fallback) {
  try { return JSON.parse(localStorage.getItem(key)) ?? fallback } catch { return fallback }
}

export const session = reactive({
  tokens: load(KEY, null), // { access_token, refresh_token }
  user: null,
  region: load(REGION_KEY, null), // { id, name: {zh, en} }
  unread: 0,
})

export function setTokens(pair) {
  session.tokens = pair ? { access_token: pair.access_token, refresh_token: pair.refresh_token } : null
  if (pair) localStorage.setItem(KEY, JSON.stringify(session.tokens))
  else localStorage.removeItem(KEY)
}

export function setRegion(tenant) {
  session.region = { id: tenant.id, name: tenant.name }
  localStorage.setItem(REGION_KEY, JSON.stringify(session.region))
}

export function signedIn() {
  return !!session.tokens
}

export function isInspector() {
  return !!session.user?.roles?.some((r) => r.role === 'inspector')
}

export function isStaff() {
  return !!session.user?.roles?.some((r) => STAFF_ROLES.includes(r.role))
}
