// A list's filters and sort order live in the page address after the route (`#/projects?verdict=false&sort=code`),
// so a reload, the back button and a copied link show the list as it was left. Changing them replaces the
// address without a new history entry or a re-render (history.replaceState fires no hashchange).

/** The route part of the hash (`#/projects`), without the query. */
export const hashPath = (hash = location.hash) => hash.split('?')[0]

/** The hash query as URLSearchParams. */
export const hashQuery = (hash = location.hash) => new URLSearchParams(hash.split('?')[1] ?? '')

/**
 * Sets the hash query from an object; empty values are left out. Only while the address is still on
 * the page's own route (`path`, the route it was drawn for) and the page is still shown (`page`, its
 * element): a list that finishes loading after the user moved on does not write its filters onto the
 * next page's address, also when the next page is the same route with another query
 * (`#/province?year=2024` opened while `#/province` was still loading: its year was overwritten).
 */
export function setHashQuery(values, path, page) {
  if (hashPath() !== path || (page && !page.isConnected)) return
  const q = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false))
  const text = q.toString()
  const next = `${hashPath()}${text ? `?${text}` : ''}`
  if (next !== location.hash) history.replaceState(history.state, '', next)
}
