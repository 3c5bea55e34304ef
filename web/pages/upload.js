// The upload panel: file by drag-and-drop or picker, layer kind in Chinese, options for a retry;
// byte progress from XHR upload events, then the import job's progress and counts, with cancel.
import { api, uploadImport } from '../api.js'
import { countyFixed } from '../county.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { layerKinds, layerTitle, settings } from '../settings.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'

const u = s.upload
const encodings = ['', 'GBK', 'GB18030', 'UTF-8', 'BIG5']

export function renderUpload({ principal, county, onDone }) {
  let file = null // kept after a failure: 重新导入 sends the same File again
  let current = null // { abort } while uploading, { jobId } while importing
  let layerPicked = false // the user chose the kind: a file name that says none leaves it
  let database = false // a .gpkg or a zipped .gdb: listed first, then imported layer by layer as mapped
  let mapped = null // the mapping sent last ({layer: kind}): 重新导入 sends it again
  const fileInput = h('input', { type: 'file', id: 'file', accept: '.zip,.geojson,.json,.gpkg', hidden: true, onchange: () => choose(fileInput.files[0]) })
  const chosen = h('p', { id: 'chosen', 'aria-live': 'polite' })
  const drop = h('div.drop', { id: 'drop' }, h('p', {}, u.drop), h('button', { type: 'button', onclick: () => fileInput.click() }, u.pick), fileInput, chosen)
  drop.addEventListener('dragover', (e) => {
    e.preventDefault()
    drop.classList.add('over')
  })
  drop.addEventListener('dragleave', () => drop.classList.remove('over'))
  drop.addEventListener('drop', (e) => {
    e.preventDefault()
    drop.classList.remove('over')
    if (e.dataTransfer.files[0]) choose(e.dataTransfer.files[0])
  })

  const layer = h(
    'select',
    {
      id: 'layer-kind',
      name: 'layer',
      onchange: () => {
        layerPicked = true
        layerHint.textContent = ''
      },
    },
    h('option', { value: '' }, u.layerChoose),
    layerKinds().map((k) => h('option', { value: k.key }, k.titleZh)),
  )
  const layerHint = h('span.hint', { id: 'layer-hint', 'aria-live': 'polite' })
  const countyField = h('input', {
    id: 'upload-county',
    name: 'county',
    value: county.value ?? '',
    pattern: '[0-9]{6}',
    size: 8,
    inputmode: 'numeric',
    readOnly: countyFixed(principal),
  })
  const mode = h(
    'select',
    { id: 'mode', name: 'mode' },
    Object.entries(u.modes).map(([k, v]) => h('option', { value: k }, v)),
  )
  const onInvalid = h(
    'select',
    { id: 'on-invalid', name: 'onInvalid' },
    Object.entries(u.onInvalids).map(([k, v]) => h('option', { value: k }, v)),
  )
  const towgs84 = h('input', { id: 'towgs84', name: 'towgs84', size: 36 })
  const crs = crsChooser('srid', towgs84)
  const encoding = h(
    'select',
    { id: 'encoding', name: 'encoding' },
    encodings.map((e) => h('option', { value: e }, e || u.encodingAuto)),
  )
  const fieldMap = h('textarea', { id: 'field-map', name: 'fieldMap', rows: 2, cols: 40, placeholder: u.fieldMapHint })
  const advanced = h(
    'details',
    { id: 'advanced' },
    h('summary', {}, u.advanced),
    h('div.row', {}, h('label', {}, u.srid, crs.select, h('span.hint', { id: 'srid-hint' }, u.sridHint)), crs.otherLabel),
    h('div.row', {}, h('label', {}, u.encoding, encoding), h('label', {}, u.towgs84, towgs84), h('label', {}, u.fieldMap, fieldMap)),
  )

  const startButton = h('button', { type: 'submit', class: 'primary', id: 'start-upload' }, u.start)
  const cancelButton = h('button', { type: 'button', id: 'cancel-import', hidden: true, onclick: cancel }, u.cancel)
  const status = h('div', { id: 'upload-status', 'aria-live': 'polite' })
  const recent = h('div', { id: 'recent-imports' })
  const dialog = replaceDialog()

  const form = h(
    'form',
    {
      id: 'upload-form',
      onsubmit: (e) => {
        e.preventDefault()
        start()
      },
    },
    drop,
    h(
      'div.row',
      {},
      h('label', {}, u.layer, layer, layerHint),
      h('label', {}, u.county, countyField),
      h('label', {}, u.mode, mode),
      h('label', {}, u.onInvalid, onInvalid),
    ),
    advanced,
    h('div.row', {}, startButton, cancelButton),
    status,
  )

  function choose(fl) {
    file = fl
    chosen.textContent = fl ? u.chosen(fl.name, f.bytes(fl.size)) : ''
    database = Boolean(fl && /\.gpkg$|\.gdb(\.zip)?$|gdb\.zip$/i.test(fl.name))
    if (database) {
      layer.value = ''
      layerHint.textContent = u.database.chosen
      return
    }
    const kind = fl && kindOfName(fl.name)
    if (kind) {
      layer.value = kind
      layerPicked = false
      layerHint.textContent = ''
    } else if (fl && !layerPicked) {
      // JZW.zip, 建筑.zip: the name does not say which layer; 三调 would be a guess
      layer.value = ''
      layerHint.textContent = u.layerUnknown(fl.name)
    }
    // Deliveries are named <county code>_<layer>: an empty county field takes the code.
    const code = fl && /^(\d{6})_/.exec(fl.name)?.[1]
    if (code && !countyField.value && !countyField.readOnly) countyField.value = code
  }

  function formData(layers) {
    const fd = new FormData()
    if (layers) fd.set('layers', JSON.stringify(layers))
    else if (layer.value) fd.set('layer', layer.value)
    if (countyField.value.trim()) fd.set('county', countyField.value.trim())
    fd.set('mode', mode.value)
    fd.set('onInvalid', onInvalid.value)
    if (crs.value()) fd.set('srid', crs.value())
    if (encoding.value) fd.set('encoding', encoding.value)
    if (towgs84.value.trim()) fd.set('towgs84', towgs84.value.trim())
    if (fieldMap.value.trim()) fd.set('fieldMap', fieldMap.value.trim())
    fd.set('file', file, file.name) // last: the service reads the fields before the file
    return fd
  }

  const alert = (text, focus) => {
    clear(status).append(h('p.error', { role: 'alert' }, text))
    focus?.focus()
  }

  async function start(layers) {
    if (!file) return alert(u.noFile)
    mapped = layers ?? null
    if (!layer.value && !database) return alert(u.layerMissing, layer)
    if (fieldMap.value.trim()) {
      try {
        if (typeof JSON.parse(fieldMap.value) !== 'object') throw new Error()
      } catch {
        advanced.open = true
        return alert(u.fieldMapBad, fieldMap)
      }
    }
    const crsProblem = crs.problem(false)
    if (crsProblem) {
      advanced.open = true
      return alert(crsProblem.text, crsProblem.focus)
    }
    busy(true)
    if (mode.value === 'replace' && !database && !(await replaceConfirmed())) {
      busy(false)
      clear(status).append(h('p.hint', { id: 'replace-declined' }, u.replace.declined))
      return
    }
    const bar = h('progress', { id: 'upload-progress', max: 1, value: 0 })
    const text = h('span', { id: 'upload-text' }, u.uploading)
    clear(status).append(h('p', {}, h('span.hint', {}, `${u.uploading} `), bar, ' ', text))
    let aborted = false
    const up = uploadImport(formData(layers), (done, total) => {
      bar.value = total ? done / total : 0
      text.textContent = u.uploadProgress(f.bytes(done), total ? f.bytes(total) : '?')
    })
    current = { abort: () => ((aborted = true), up.abort()) }
    try {
      const accepted = await up.promise
      bar.value = 1
      if (accepted.layers && !accepted.id) {
        current = null
        busy(false)
        status.append(databaseListing(accepted))
        return
      }
      if (accepted.layers) status.append(h('p', { id: 'database-job' }, u.database.layerJob(accepted.layers.length)))
      current = { jobId: accepted.id }
      await follow(accepted.id)
    } catch (err) {
      // the bar ends where the upload ended: full, and said how
      bar.value = 1
      bar.dataset.state = aborted ? 'cancelled' : 'failed'
      text.textContent = aborted ? u.status.cancelled : u.uploadFailed
      current = null
      status.append(problemBox(err), aborted ? null : retryButton())
      busy(false)
    }
  }

  /** GDAL's geometry type in the words of the survey standards: 面, 线, 点; a table without geometry says so. */
  const geometryZh = (t) =>
    !t || t === 'None' ? u.database.noGeometry : /Polygon|Surface/.test(t) ? '面' : /Line|Curve/.test(t) ? '线' : /Point/.test(t) ? '点' : t

  /** The database's layers with the proposed kind of each, to confirm or change; 按上述对应导入 sends the file again with layers. */
  function databaseListing(l) {
    const choices = l.layers.map((x) =>
      h(
        'select',
        { 'data-layer': x.name, 'aria-label': `${x.name} ${u.database.columns[6]}` },
        h('option', { value: '' }, u.database.skip),
        layerKinds().map((k) => h('option', { value: k.key, selected: k.key === x.proposed }, k.titleZh)),
      ),
    )
    const rows = l.layers.map((x, i) =>
      h(
        'tr',
        { 'data-layer': x.name },
        h('td', {}, x.name),
        h('td', {}, x.alias ?? ''),
        h('td', { title: x.geometryType ?? '' }, geometryZh(x.geometryType)),
        h('td.num', {}, x.featureCount >= 0 ? f.int(x.featureCount) : '—'),
        h('td', {}, x.crs.epsg ? `EPSG:${x.crs.epsg}` : (x.crs.name ?? '—')),
        h('td.num', {}, String(x.fields.length)),
        h('td', {}, choices[i]),
        h('td', {}, x.problem ? h('span.error', {}, x.problem.messageZh) : x.reasonZh),
      ),
    )
    const go = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        id: 'import-mapped',
        onclick: () => {
          const layers = {}
          for (const c of choices) if (c.value) layers[c.dataset.layer] = c.value
          if (!Object.keys(layers).length) return alert(u.database.noneMapped)
          start(layers)
        },
      },
      u.database.importMapped,
    )
    return h(
      'section',
      { id: 'database-listing' },
      h('p', {}, u.database.listing(l.name, l.layers.length)),
      table(u.database.columns, rows, { id: 'database-layers' }),
      h('div.row', {}, go),
    )
  }

  /** A replace of an active version says which version (number, date, count) it replaces, and waits for 替换. */
  async function replaceConfirmed() {
    let detail
    try {
      detail = await api(`/layers/${encodeURIComponent(layer.value)}`, { query: { county: countyField.value.trim() || undefined } })
    } catch {
      return true // nothing to name (or the service will say what is wrong with the upload itself)
    }
    const active = detail?.active
    if (!active) return true
    const v = { ...active, importedAt: f.dateTime(active.importedAt), featureCount: f.int(active.featureCount) }
    return dialog.ask(u.replace.text(layerTitle(detail.layer), detail.county, v))
  }

  async function follow(id) {
    const bar = h('progress', { id: 'import-progress', max: 1, value: 0 })
    const pct = h('span', { id: 'import-percent' }, u.importProgress('0 %'))
    const detail = h('div', { id: 'import-detail' })
    const perLayer = h('div', { id: 'import-layers' })
    status.append(h('p', {}, h('span.hint', {}, `${u.importing} `), bar, ' ', pct), perLayer, detail)
    for (;;) {
      let job
      try {
        job = await api(`/imports/${id}`)
      } catch (err) {
        detail.append(problemBox(err))
        break
      }
      bar.value = job.progress
      pct.textContent = u.importProgress(`${Math.round(job.progress * 100)} %`)
      if (job.layers) clear(perLayer).append(layerBars(job.layers))
      clear(detail).append(jobDetail(job))
      if (!['queued', 'running'].includes(job.status)) {
        // the end is the bar's end, whatever the last progress figure was (a failure stops anywhere)
        const end = job.unchanged ? 'unchanged' : job.status
        bar.value = 1
        bar.dataset.state = end
        pct.textContent = u.endedProgress('100 %', u.ended[end] ?? job.status)
        if (job.status === 'failed') detail.append(fixesFor(job) ?? retryButton())
        else if (job.status === 'succeeded') void followUpsToTheirEnd(id, detail, job)
        break
      }
      await new Promise((r) => setTimeout(r, 300))
    }
    current = null
    busy(false)
    onDone()
    refreshRecent()
  }

  /** A survey database's job: each mapped layer with its own bar, its state and what it made or why it failed. */
  function layerBars(layers) {
    const d = u.database
    return table(
      d.layerColumns,
      layers.map((l) => {
        const state = l.unchanged ? 'unchanged' : l.status
        return h(
          'tr',
          { dataset: { layer: l.sourceLayer, status: l.status } },
          h('td', {}, d.layerOf(l.sourceLayer, layerTitle(l.layer))),
          h('td', {}, h('progress', { max: 1, value: l.progress, dataset: { state } }), ` ${Math.round(l.progress * 100)} %`),
          h('td.layer-status', {}, d.layerStatus[state] ?? l.status),
          h('td.layer-message', {}, l.messageZh ?? ''),
        )
      }),
      { id: 'import-layer-bars' },
    )
  }

  /** The import has ended; what it started (a bundle run) goes on: its status stays shown until it ends. */
  async function followUpsToTheirEnd(id, detail, job) {
    const active = (j) => j.followUps?.some((f) => ['queued', 'running'].includes(f.status))
    while (active(job) && detail.isConnected) {
      await new Promise((r) => setTimeout(r, 1000))
      try {
        job = await api(`/imports/${id}`)
      } catch {
        return
      }
      clear(detail).append(jobDetail(job))
    }
  }

  /**
   * What the failure's errors say can be done (their code): choose the coordinate system (no .prj, or
   * a wrong one), give the 7 parameters, name a missing field's source field, skip the bad records;
   * 重新导入 sets those options in the form and sends the same file again. Null: nothing to offer.
   */
  function fixesFor(job) {
    const codes = new Set(job.errors.map((e) => e.code).filter(Boolean))
    const parts = []
    const checks = [] // each answers what keeps the fix from being sent ({ text, focus }) or null
    const applies = [] // then each puts its choice into the form
    const towgs84Fix = () => h('input', { id: 'fix-towgs84', size: 36, value: towgs84.value })
    if (codes.has('no-prj') || codes.has('crs')) {
      const fixTowgs84 = towgs84Fix()
      const chooser = crsChooser('fix-srid', fixTowgs84)
      const towgs84Row = h('p', { class: 'fix-towgs84' }, h('label', {}, u.towgs84, fixTowgs84))
      chooser.onChange(() => (towgs84Row.hidden = !chooser.needsTowgs84()))
      chooser.set(crs.value())
      parts.push(h('p', {}, h('label', {}, u.fixes.crs, chooser.select), chooser.otherLabel), towgs84Row)
      checks.push(() => chooser.problem(true))
      applies.push(() => {
        crs.set(chooser.value())
        if (chooser.needsTowgs84()) towgs84.value = fixTowgs84.value.trim()
      })
    } else if (codes.has('towgs84')) {
      const fixTowgs84 = towgs84Fix()
      parts.push(h('p', {}, h('label', {}, u.fixes.towgs84, fixTowgs84)))
      checks.push(() => (fixTowgs84.value.trim() ? null : { text: u.towgs84Missing, focus: fixTowgs84 }))
      applies.push(() => (towgs84.value = fixTowgs84.value.trim()))
    }
    const missing = new Map(job.errors.filter((e) => e.code === 'field-missing' && e.fieldMapFor).map((e) => [e.fieldMapFor.field, e.fieldMapFor]))
    for (const m of missing.values()) {
      const pick = h(
        'select',
        { class: 'fix-field', dataset: { field: m.field } },
        h('option', { value: '' }, u.fixes.fieldChoose),
        m.sourceFields.map((name) => h('option', { value: name, translate: 'no' }, name)),
      )
      parts.push(h('p', {}, h('label', {}, u.fixes.field(m.titleZh), pick)))
      checks.push(() => (pick.value ? null : { text: u.fixes.fieldMissing(m.titleZh), focus: pick }))
      applies.push(() => {
        let map = {}
        try {
          map = JSON.parse(fieldMap.value.trim() || '{}') ?? {}
        } catch {
          /* a map the user broke is replaced by the one chosen here */
        }
        // the service takes the Chinese title as the key (the field map is written in Chinese)
        for (const k of Object.keys(map)) if (k === m.field || k === m.titleZh) delete map[k]
        fieldMap.value = JSON.stringify({ ...map, [m.titleZh]: pick.value })
      })
    }
    if (codes.has('invalid-records')) {
      const skip = h('input', { type: 'checkbox', id: 'fix-skip', checked: true })
      parts.push(h('p', {}, h('label.check', {}, skip, ` ${u.fixes.skip}`)))
      applies.push(() => (onInvalid.value = skip.checked ? 'skip' : 'fail'))
    }
    if (!parts.length) return null
    const message = h('div', { 'aria-live': 'polite' })
    const reimport = h(
      'button',
      {
        type: 'button',
        id: 'reimport',
        class: 'primary',
        onclick: () => {
          const problem = checks.map((check) => check()).find(Boolean)
          if (problem) {
            clear(message).append(h('p.error', { role: 'alert' }, problem.text))
            problem.focus?.focus()
            return
          }
          for (const apply of applies) apply()
          start(database ? (mapped ?? undefined) : undefined)
        },
      },
      u.fixes.reimport,
    )
    return h(
      'div.fixes',
      { id: 'import-fixes' },
      h('h3', {}, u.fixes.title),
      parts,
      message,
      h('p', {}, reimport, ' ', h('span.hint', {}, u.fixes.sameFile(file?.name ?? ''))),
    )
  }

  async function cancel() {
    if (current?.abort) current.abort()
    else if (current?.jobId) {
      try {
        await api(`/imports/${current.jobId}`, { method: 'DELETE' })
      } catch (err) {
        status.append(problemBox(err))
      }
    }
  }

  function busy(on) {
    startButton.disabled = on
    cancelButton.hidden = !on
  }

  function retryButton() {
    return h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          id: 'retry',
          onclick: () => {
            advanced.open = true
            crs.select.focus()
            startButton.textContent = u.retry
          },
        },
        u.retry,
      ),
    )
  }

  async function refreshRecent() {
    try {
      const jobs = await api('/imports', { query: { limit: 8, county: countyField.value || undefined } })
      const c = s.layers.cols
      clear(recent).append(
        h('h2', {}, u.recent),
        table(
          [u.job, c.layer, u.statusCol, c.count, c.importedAt],
          jobs.map((j) =>
            h(
              'tr',
              {},
              h('td.num', {}, `#${j.id}`),
              h('td', {}, jobKinds(j), h('div.hint', {}, j.sourceName ?? '')),
              h('td', {}, j.unchanged ? u.unchanged : (u.status[j.status] ?? j.status)),
              h('td.num', {}, f.int(j.counts?.stored)),
              h('td', {}, f.dateTime(j.createdAt), h('div.hint', {}, f.who(j.createdByName, j.createdBy, ''))),
            ),
          ),
        ),
      )
    } catch {
      /* the list is a convenience: the panel works without it */
    }
  }
  refreshRecent()
  // the dialog outside the form: its own form's submit must not bubble into the upload's
  return h('div', {}, form, dialog.el, recent)
}

/**
 * The layer kind a file name says, only when it says one: <county>_<key>, the key itself, or the
 * kind's Chinese title (one kind only). JZW.zip says none.
 */
export function kindOfName(name) {
  const stem = name.replace(/\.(zip|geojson|json)$/i, '')
  const kinds = layerKinds()
  const byKey = kinds.find((k) => stem === k.key || stem.endsWith(`_${k.key}`))
  if (byKey) return byKey.key
  const byTitle = kinds.filter((k) => stem.includes(k.titleZh))
  return byTitle.length === 1 ? byTitle[0].key : null
}

/**
 * The coordinate systems of Shandong deliveries (GET /settings crsChoices) by their Chinese names,
 * and 其他 with a free EPSG code. `towgs84` is the field a Xian 1980 choice needs filled.
 */
function crsChooser(id, towgs84) {
  const choices = settings()?.crsChoices ?? []
  const groups = [...new Set(choices.map((c) => c.datum))]
  const select = h(
    'select',
    { id, name: 'srid' },
    h('option', { value: '' }, u.crsAuto),
    groups.map((d) =>
      h(
        'optgroup',
        { label: u.crsGroups[d] ?? d },
        choices.filter((c) => c.datum === d).map((c) => h('option', { value: String(c.epsg) }, `${c.nameZh}（EPSG:${c.epsg}）`)),
      ),
    ),
    h('option', { value: 'other' }, u.crsOther),
  )
  const other = h('input', { id: `${id}-other`, pattern: '[0-9]{4,6}', size: 8, inputmode: 'numeric' })
  const otherLabel = h('label', { hidden: true }, u.crsOtherCode, other)
  const listeners = []
  select.addEventListener('change', () => {
    otherLabel.hidden = select.value !== 'other'
    if (!otherLabel.hidden) other.focus()
    for (const l of listeners) l()
  })
  const chosen = () => choices.find((c) => String(c.epsg) === select.value)
  return {
    select,
    otherLabel,
    value: () => (select.value === 'other' ? other.value.trim() : select.value),
    /** a code from the list is selected; any other goes to 其他 */
    set(code) {
      const listed = !code || choices.some((c) => String(c.epsg) === code)
      select.value = listed ? (code ?? '') : 'other'
      if (!listed) other.value = code
      otherLabel.hidden = select.value !== 'other'
      for (const l of listeners) l()
    },
    needsTowgs84: () => Boolean(chosen()?.needsTowgs84),
    onChange: (l) => listeners.push(l),
    /** what keeps the choice from being sent, or null; `required`: a system must be chosen */
    problem(required) {
      if (required && !select.value) return { text: u.crsMissing, focus: select }
      if (select.value === 'other' && !/^[0-9]{4,6}$/.test(other.value.trim())) return { text: u.crsOtherBad, focus: other }
      if (chosen()?.needsTowgs84 && !towgs84.value.trim()) return { text: u.towgs84Missing, focus: towgs84 }
      return null
    },
  }
}

/** The replace confirmation: a modal dialog in Chinese, answered 替换 (true) or 取消 (false). */
function replaceDialog() {
  const text = h('p', { id: 'replace-text' })
  const el = h(
    'dialog',
    { id: 'replace-dialog', 'aria-labelledby': 'replace-title' },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'replace-title' }, u.replace.title),
      text,
      h(
        'p.row',
        {},
        h('button', { type: 'submit', value: 'replace', id: 'confirm-replace', class: 'primary' }, u.replace.confirm),
        h('button', { type: 'submit', value: 'cancel', id: 'cancel-replace' }, u.replace.cancel),
      ),
    ),
  )
  return {
    el,
    ask(message) {
      text.textContent = message
      el.returnValue = ''
      return new Promise((resolve) => {
        el.addEventListener('close', () => resolve(el.returnValue === 'replace'), { once: true })
        el.showModal()
      })
    },
  }
}

/** Status, counts, CRS and encoding found (and how), warnings and errors with file/record/field. */
export function jobDetail(job) {
  const c = u.counts
  const how = (x) => (x ? (u.how[x] ?? x) : '')
  const issues = (title, list, cls) =>
    list.length
      ? h(
          'div',
          { class: cls },
          h('h3', {}, `${title}（${list.length}）`),
          table(
            [u.issues.file, u.issues.record, u.issues.field, u.issues.message],
            list
              .slice(0, 200)
              .map((e) =>
                h(
                  'tr',
                  {},
                  h('td', {}, e.file ?? s.common.dash),
                  h('td.num', {}, e.record ?? s.common.dash),
                  h('td', {}, e.field ?? s.common.dash),
                  h('td', {}, e.messageZh ?? e.message),
                ),
              ),
            { class: 'issues' },
          ),
        )
      : null
  return h(
    'div',
    { dataset: { status: job.status } },
    h(
      'p',
      {},
      h('strong', { id: 'job-status' }, job.unchanged ? u.unchanged : (u.status[job.status] ?? job.status)),
      ` · ${u.job} #${job.id} · ${jobKinds(job)}`,
    ),
    job.counts
      ? h(
          'p',
          { id: 'job-counts' },
          Object.keys(c)
            .map((k) => `${c[k]} ${f.int(job.counts[k])}`)
            .join('，'),
        )
      : null,
    h('p', { id: 'job-crs' }, `${u.crsFound}：`, crsFound(job, how)),
    h(
      'p',
      { id: 'job-encoding' },
      `${u.encodingFound}：`,
      perLayer(job, 'encoding', (e) => `${e.name}，${how(e.how)}${e.detail && e.detail !== e.name ? `（${e.detail}）` : ''}`),
    ),
    issues(u.issues.errors, job.errors, 'error-box job-errors'),
    followUps(job.followUps ?? []),
    issues(u.issues.warnings, job.warnings, 'job-warnings'),
  )
}

/** The coordinate system a job read, in a survey database's each one its layers were in. */
function crsFound(job, how) {
  const database = Boolean(job.layers || job.options?.sourceLayer)
  return perLayer(
    job,
    'sourceCrs',
    (crs) => `${f.crsName(crs)}${crs.epsg ? `（EPSG:${crs.epsg}）` : ''}，${how(database && crs.how === 'prj' ? 'prjDatabase' : crs.how)}`,
  )
}

/**
 * What a job found of its data (`sourceCrs`, `encoding`) as a line: a survey database's job says it once
 * when its layers agree, else each layer with its own (the job's own field is only its last layer's).
 */
function perLayer(job, field, describe) {
  const read = (job.layers ?? []).filter((l) => l[field]).map((l) => ({ layer: l.sourceLayer, text: describe(l[field]) }))
  if (read.length && read.every((x) => x.text === read[0].text)) return read[0].text
  if (read.length) return read.map((x) => `${x.layer}：${x.text}`).join('；')
  return job[field] ? describe(job[field]) : s.common.dash
}

/** The kind a job imports, or a survey database's job's kinds, in Chinese. */
const jobKinds = (job) => (job.layers ? job.layers.map((l) => layerTitle(l.layer)).join('、') : layerTitle(job.layer))

/** Jobs the new version started (a bundle run over new plots), each with its own status. */
function followUps(list) {
  if (!list.length) return null
  return h(
    'p',
    { id: 'job-follow-ups' },
    `${u.followUps}：`,
    list.map((j) => `${u.followUpKinds[j.kind] ?? j.kind} #${j.id} ${u.followUpStatus[j.status] ?? j.status ?? s.common.dash}`).join('，'),
  )
}
