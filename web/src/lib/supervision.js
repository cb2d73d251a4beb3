// 执法监管 for supervisors: plans and their 双随机 draws (draw, redraw with a reason, the
// record of every draw, its verification), and the teams on duty with their positions.
// Also the inspector's side of the positions: where the phone is, sent while an inspection
// is under way and only when the inspector agreed to share it (docs/enforcement.md).
import { request } from './api.js'
import { session } from './session.js'

const enc = encodeURIComponent
const data = async (promise) => (await promise).data

// Who plans, draws and watches the teams (the service decides; this only chooses the screens).
export const SUPERVISOR_ROLES = ['supervisor', 'tenant_admin', 'province_admin']
export const isSupervisor = () => !!session.user?.roles?.some((r) => SUPERVISOR_ROLES.includes(r.role))
export const supervisedTenants = () => [...new Set((session.user?.roles || []).filter((r) => SUPERVISOR_ROLES.includes(r.role)).map((r) => r.tenant_id))]

export const plans = (tenant) => data(request('GET', `/v1/tenants/${enc(tenant)}/plans?page_size=50`))
export const createPlan = (tenant, body) => data(request('POST', `/v1/tenants/${enc(tenant)}/plans`, { body }))
export const getPlan = (id) => data(request('GET', `/v1/plans/${enc(id)}`))
export const drawPlan = (id, reason = '') => data(request('POST', `/v1/plans/${enc(id)}/draws`, { body: { reason } }))
export const planDraws = (id) => data(request('GET', `/v1/plans/${enc(id)}/draws`))
export const verifyPlan = (id) => data(request('GET', `/v1/plans/${enc(id)}/verification`))
export const inspectors = (tenant) => data(request('GET', `/v1/tenants/${enc(tenant)}/inspectors`))
export const teamPositions = (tenant) => data(request('GET', `/v1/tenants/${enc(tenant)}/team-positions?page_size=100`))
export const reportPosition = (id, at) => data(request('POST', `/v1/inspections/${enc(id)}/positions`, { body: at }))

// The inspector's consent to share their position with supervisors, kept on this phone.
const SHARE_KEY = 'mgov.sharePosition'
export const sharesPosition = () => localStorage.getItem(SHARE_KEY) === 'yes'
export function setSharesPosition(yes) {
  if (yes) localStorage.setItem(SHARE_KEY, 'yes')
  else localStorage.removeItem(SHARE_KEY)
}
