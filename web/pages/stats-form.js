// 县级统计数据填报 on the province page: a county's population (with its source) and, when given, its
// urban-rural construction land for the reward year, as PUT /counties/{code}/stats/{year} takes them.
// The form checks what it can before sending and says so in Chinese; the service checks again.
import { api, ApiError } from '../api.js'
import { countyChoices } from '../county.js'
import { clear, h } from '../dom.js'
import { problemBox } from '../problem.js'
import { choices, countyLabel, countyName, settings } from '../settings.js'
import { s } from '../strings.js'

const t = s.province.stats

/** The form; `year()` is the page's reward year; `onSaved()` after a save (the tables are drawn again). */
export function statsForm({ year, onSaved }) {
  const county = h('input', { id: 'stats-county', size: 8, inputmode: 'numeric', list: 'stats-county-names', autocomplete: 'off' })
  const countyShown = h('span.hint', { id: 'stats-county-name' })
  const population = h('input', { id: 'stats-population', type: 'number', min: 1, step: 1, size: 12 })
  const kind = h(
    'select',
    { id: 'stats-source-kind' },
    choices('populationKinds').map(([k, v]) => h('option', { value: k }, v)),
  )
  const sourceYear = h('input', { id: 'stats-source-year', type: 'number', min: 2000, max: 2100, step: 1, size: 6 })
  const publisher = h('input', { id: 'stats-publisher', size: 28, maxlength: '200', placeholder: t.publisherPlaceholder })
  const land = h('input', { id: 'stats-land', type: 'number', min: 0, step: 'any', size: 16 })
  const message = h('div', { id: 'stats-message', 'aria-live': 'polite' })
  const fields = { county, population, sourceYear, publisher, land }

  const fail = (field, text) => {
    fields[field].setAttribute('aria-invalid', 'true')
    message.append(h('p.error', { role: 'alert', dataset: { field } }, text))
  }

  /** The body to send, or null with the faults said beside the form. */
  function body() {
    for (const el of Object.values(fields)) el.removeAttribute('aria-invalid')
    clear(message)
    const e = t.errors
    const code = county.value.trim()
    if (!/^[0-9]{6}$/.test(code)) fail('county', e.county)
    else if (settings()?.counties && !countyName(code)) fail('county', e.countyUnknown)
    const people = Number(population.value)
    if (!population.value.trim() || !Number.isInteger(people) || people < 1) fail('population', e.population)
    const ofYear = Number(sourceYear.value)
    if (!Number.isInteger(ofYear) || ofYear < 2000 || ofYear > 2100) fail('sourceYear', e.sourceYear)
    const from = publisher.value.trim()
    if (!from || from.length > 200) fail('publisher', e.publisher)
    const area = land.value.trim() === '' ? undefined : Number(land.value)
    if (area !== undefined && (!Number.isFinite(area) || area < 0)) fail('land', e.land)
    const y = Number(year())
    if (!Number.isInteger(y) || y < 2000 || y > 2100) message.append(h('p.error', { role: 'alert', dataset: { field: 'year' } }, e.year))
    if (message.childElementCount) return null
    return {
      code,
      year: y,
      body: {
        population: people,
        populationSource: { kind: kind.value, year: ofYear, publisher: from },
        ...(area === undefined ? {} : { urbanRuralConstructionLandM2: area }),
      },
    }
  }

  // Typing, or another county chosen, while a county's figures are on their way makes them stale:
  // a slow answer must not overwrite what was typed since (seen on a busy machine, where the
  // answer to a repeated change event came after the figures were typed, and the save then failed).
  let edits = 0
  // (a select fires input too when a choice is made)
  for (const el of [population, kind, sourceYear, publisher, land]) el.addEventListener('input', () => edits++)

  /** Fills the form with the county's statistics of the year, when it has any. */
  async function show(code) {
    const asked = ++edits
    county.value = code
    countyShown.textContent = countyName(code) ?? ''
    clear(message)
    try {
      const r = await api(`/counties/${code}/stats/${year()}`)
      if (edits !== asked) return
      population.value = r.population
      if (r.populationSource) {
        kind.value = r.populationSource.kind
        sourceYear.value = r.populationSource.year
        publisher.value = r.populationSource.publisher
      } else sourceYear.value = year()
      land.value = r.landSource === 'given' ? r.urbanRuralConstructionLandM2 : ''
      message.append(h('p.hint', {}, t.loaded(countyLabel(code))))
    } catch (err) {
      if (edits !== asked) return
      if (!(err instanceof ApiError && err.status === 404)) return message.append(problemBox(err))
      population.value = ''
      publisher.value = ''
      land.value = ''
      sourceYear.value = year()
      message.append(h('p.hint', {}, t.none(countyLabel(code), year())))
    }
  }

  county.addEventListener('change', () => {
    const code = county.value.trim()
    countyShown.textContent = countyName(code) ?? ''
    if (/^[0-9]{6}$/.test(code)) show(code)
  })

  const form = h(
    'form',
    {
      id: 'stats-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault()
        const b = body()
        if (!b) return
        try {
          const r = await api(`/counties/${b.code}/stats/${b.year}`, { method: 'PUT', body: b.body })
          clear(message).append(h('p.ok', { role: 'status', id: 'stats-saved' }, t.saved(r)))
          await onSaved()
        } catch (err) {
          message.append(problemBox(err))
        }
      },
    },
    h('p.hint', {}, t.hint),
    h(
      'div.row',
      {},
      h('label', {}, t.county, county, countyShown),
      countyChoices('stats-county-names', settings()?.counties ?? []),
      h('label', {}, t.population, population),
      h('label', {}, t.sourceKind, kind),
      h('label', {}, t.sourceYear, sourceYear),
      h('label', {}, t.publisher, publisher),
      h('label', {}, t.land, land),
      h('button', { type: 'submit', class: 'primary' }, t.save),
    ),
    message,
  )
  sourceYear.value = year()
  return { el: form, show }
}
