// The county a console page works on, decided here and nowhere else. In order:
//   1. a county key's own county: it may see no other, so nothing else is considered;
//   2. the page URL's ?county= (a six-digit code), so a link can open a page on one county
//      (e.g. /?county=371502#/map);
//   3. the county last chosen in this tab with a page's county picker (sessionStorage, like the key:
//      signing out and closing the tab forget both);
//   4. none (''): the page asks the API without a county, which answers for every county the key may
//      see (a city key its city's counties, a province or admin key all).
// The API still decides what a key may see; a code outside the key's region is refused there.
const CHOSEN = 'lowland.county'
const countyCode = /^[0-9]{6}$/

/** The current county's code, or '' for every county of the key's scope. */
export function currentCounty(principal) {
  if (countyFixed(principal)) return principal.region
  const fromUrl = new URLSearchParams(location.search).get('county')?.trim()
  if (fromUrl && countyCode.test(fromUrl)) return fromUrl
  return sessionStorage.getItem(CHOSEN) ?? ''
}

/** A county picked on a page becomes the current county of every page of this tab ('' clears it). */
export function chooseCounty(code) {
  const value = code.trim()
  if (value) sessionStorage.setItem(CHOSEN, value)
  else sessionStorage.removeItem(CHOSEN)
  return value
}

/** A county key works on its own county: its pages show no county picker. */
export const countyFixed = (principal) => principal.role === 'county'

/**
 * The counties' names as suggestions for a county code input (<input list=…>): a user types 东昌 or
 * 3715 and picks the county; the input still holds the six-digit code the API takes.
 */
export function countyChoices(id, counties) {
  const list = document.createElement('datalist')
  list.id = id
  for (const c of counties) {
    const o = document.createElement('option')
    o.value = c.code
    o.label = `${c.nameZh} · ${c.cityNameZh}`
    list.append(o)
  }
  return list
}

/** The counties a key may work on (a city key: its city's; province and admin keys: all), from the settings' region table. */
export const countiesOf = (principal, all) =>
  principal.role === 'city'
    ? all.filter((c) => c.code.startsWith(principal.region))
    : principal.role === 'county'
      ? all.filter((c) => c.code === principal.region)
      : all
