// Labels of a case's states and actions come from its workflow definition (cached per
// tenant, id and version): the screens never hard-code a workflow.
import { definition } from './api.js'
import { localized } from './i18n.js'

const cache = new Map()

export async function definitionOf(c) {
  const key = `${c.tenant_id}/${c.definition_id}/${c.definition_version}`
  if (!cache.has(key)) cache.set(key, definition(c.tenant_id, c.definition_id, c.definition_version).catch((err) => { cache.delete(key); throw err }))
  return cache.get(key)
}

export function stateLabel(def, name) {
  return localized(def?.states?.find((s) => s.name === name)?.label) || name
}

export function actionOf(def, name, from) {
  const all = def?.actions || []
  return all.find((a) => a.name === name && (!from || a.from_states?.includes(from))) || all.find((a) => a.name === name) || { name }
}

export function actionLabel(def, name, from) {
  return localized(actionOf(def, name, from).label) || name
}

export function isTerminal(def, state) {
  return !!def?.states?.find((s) => s.name === state)?.terminal
}
