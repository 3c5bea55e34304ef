// The service's settings document (GET /settings): the enumerations the API owns with their Chinese
// names (layer kinds, collections, statuses, modes, approaches, milestones, filing kinds, roles) and
// the map's settings. Fetched once per page load; the console keeps no copy of these names
// (web/strings.js holds only the page's own texts).
//
// app.js awaits loadSettings() before it renders any page, so the name helpers below are synchronous.
// Until the document has arrived, or when it could not be read, they answer the code itself: a page
// stays usable, just less readable.
import { request } from './api.js'

let pending = null
let current = null

/** The one request for the document; a failed one is forgotten so that the next call asks again. */
export function loadSettings() {
  pending ??= request('/settings').then(
    (doc) => (current = doc),
    (err) => {
      pending = null
      throw err
    },
  )
  return pending
}

/** The document as loaded (null before). */
export const settings = () => current

const nameIn = (list, code) => current?.[list]?.find((x) => x.code === code)?.nameZh ?? code

/** Layer kinds in upload order: [{ key, titleZh, title, geometryType, collection, minZoom }]. */
export const layerKinds = () => current?.layerKinds ?? []
export const layerTitle = (key) => layerKinds().find((k) => k.key === key)?.titleZh ?? key
/** An OGC collection or tile source (survey3, project-boundaries, bundles, analysis-pieces …). */
export const collectionTitle = (id) => current?.collections.find((c) => c.id === id)?.titleZh ?? id

export const statusName = (code) => nameIn('projectStatuses', code)
export const roleName = (code) => nameIn('roles', code)
export const developmentModeName = (code) => nameIn('developmentModes', code)
export const approachName = (code) => nameIn('approaches', code)
export const milestoneName = (code) => nameIn('milestoneTypes', code)
export const filingKindName = (code) => nameIn('filingKinds', code)
export const checkName = (code) => nameIn('checks', code)

/** [code, Chinese name] pairs of one enumeration, in the service's order, for a select's options. */
export const choices = (list) => (current?.[list] ?? []).map((x) => [x.code, x.nameZh])

/**
 * A coded property's value with its name from the survey standard's table ("30 集体土地所有权",
 * "0103 旱地"): the collection's codedFields say which table. A code with a one-letter suffix the
 * table lacks (三调's K, 可调整: "0201K") is named as its base code; a code no table knows, and any
 * other property, is shown as it is.
 */
export function namedCode(collection, field, value) {
  const table = current?.collections.find((c) => c.id === collection)?.codedFields?.[field]
  if (!table || value === null || value === undefined || value === '') return value
  const codes = current.codeTables.find((t) => t.id === table)?.codes ?? []
  const code = String(value)
  const name = (c) => codes.find((x) => x.code === c)?.nameZh
  const found = name(code) ?? (/^.+[A-Z]$/.test(code) ? name(code.slice(0, -1)) : undefined)
  return found ? `${code} ${found}` : code
}

/** A county's name from the region table (the document's `counties`); null for a code it does not know. */
export const countyName = (code) => current?.counties?.find((c) => c.code === String(code ?? '').trim())?.nameZh ?? null

/** A county as a reader names it: 东昌府区（371502）; the code alone when the name is not known. */
export const countyLabel = (code) => {
  const name = countyName(code)
  return name ? `${name}（${String(code).trim()}）` : (code ?? '')
}
