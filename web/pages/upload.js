// The upload panel: file by drag-and-drop or picker, layer kind in Chinese, options for a retry;
// byte progress from XHR upload events, then the import job's progress and counts, with cancel.
import { api, uploadImport } from '../api.js'
import { countyFixed } from '../county.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { layerKinds, layerTitle } from '../settings.js'
import { s } from '../strings.js'
import { problemBox } from '../problem.js'

const u = s.upload
const encodings = ['', 'GBK', 'GB18030', 'UTF-8', 'BIG5']

export function renderUpload({ principal, county, onDone }) {
  let file = null
  let current = null // { abort } while uploading, { jobId } while importing
  const fileInput = h('input', { type: 'file', id: 'file', accept: '.zip,.geojson,.json', hidden: true, onchange: () => choose(fileInput.files[0]) })
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
    { id: 'layer-kind', name: 'layer' },
    layerKinds().map((k) => h('option', { value: k.key }, k.titleZh)),
  )
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
  const srid = h('input', { id: 'srid', name: 'srid', pattern: '[0-9]{4,6}', size: 8, inputmode: 'numeric', 'aria-describedby': 'srid-hint' })
  const encoding = h(
    'select',
    { id: 'encoding', name: 'encoding' },
    encodings.map((e) => h('option', { value: e }, e || u.encodingAuto)),
  )
  const towgs84 = h('input', { id: 'towgs84', name: 'towgs84', size: 36 })
  const fieldMap = h('textarea', { id: 'field-map', name: 'fieldMap', rows: 2, cols: 40, placeholder: u.fieldMapHint })
  const advanced = h(
    'details',
    { id: 'advanced' },
    h('summary', {}, u.advanced),
    h('div.row', {}, h('label', {}, u.srid, srid, h('span.hint', { id: 'srid-hint' }, u.sridHint)), h('label', {}, u.encoding, encoding)),
    h('div.row', {}, h('label', {}, u.towgs84, towgs84), h('label', {}, u.fieldMap, fieldMap)),
  )

  const startButton = h('button', { type: 'submit', class: 'primary', id: 'start-upload' }, u.start)
  const cancelButton = h('button', { type: 'button', id: 'cancel-import', hidden: true, onclick: cancel }, u.cancel)
  const status = h('div', { id: 'upload-status', 'aria-live': 'polite' })
  const recent = h('div', { id: 'recent-imports' })

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
      h('label', {}, u.layer, layer),
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
    const stem = fl?.name.replace(/\.(zip|geojson|json)$/i, '')
    const kind = stem && layerKinds().find((k) => stem.endsWith(`_${k.key}`))?.key
    if (kind) layer.value = kind
    // Deliveries are named <county code>_<layer>: an empty county field takes the code.
    const code = fl && /^(\d{6})_/.exec(fl.name)?.[1]
    if (code && !countyField.value && !countyField.readOnly) countyField.value = code
  }

  function formData() {
    const fd = new FormData()
    fd.set('layer', layer.value)
    if (countyField.value.trim()) fd.set('county', countyField.value.trim())
    fd.set('mode', mode.value)
    fd.set('onInvalid', onInvalid.value)
    if (srid.value.trim()) fd.set('srid', srid.value.trim())
    if (encoding.value) fd.set('encoding', encoding.value)
    if (towgs84.value.trim()) fd.set('towgs84', towgs84.value.trim())
    if (fieldMap.value.trim()) fd.set('fieldMap', fieldMap.value.trim())
    fd.set('file', file, file.name) // last: the service reads the fields before the file
    return fd
  }

  async function start() {
    if (!file) {
      clear(status).append(h('p.error', { role: 'alert' }, u.noFile))
      return
    }
    if (fieldMap.value.trim()) {
      try {
        if (typeof JSON.parse(fieldMap.value) !== 'object') throw new Error()
      } catch {
        clear(status).append(h('p.error', { role: 'alert' }, u.fieldMapBad))
        fieldMap.focus()
        return
      }
    }
    const bar = h('progress', { id: 'upload-progress', max: 1, value: 0 })
    const text = h('span', { id: 'upload-text' }, u.uploading)
    clear(status).append(h('p', {}, h('span.hint', {}, `${u.uploading} `), bar, ' ', text))
    busy(true)
    const up = uploadImport(formData(), (done, total) => {
      bar.value = total ? done / total : 0
      text.textContent = u.uploadProgress(f.bytes(done), total ? f.bytes(total) : '?')
    })
    current = up
    try {
      const accepted = await up.promise
      bar.value = 1
      current = { jobId: accepted.id }
      await follow(accepted.id)
    } catch (err) {
      status.append(problemBox(err), retryButton())
      busy(false)
    }
  }

  async function follow(id) {
    const bar = h('progress', { id: 'import-progress', max: 1, value: 0 })
    const pct = h('span', { id: 'import-percent' }, u.importProgress('0 %'))
    const detail = h('div', { id: 'import-detail' })
    status.append(h('p', {}, h('span.hint', {}, `${u.importing} `), bar, ' ', pct), detail)
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
      clear(detail).append(jobDetail(job))
      if (!['queued', 'running'].includes(job.status)) {
        if (job.status !== 'succeeded') detail.append(retryButton())
        else void followUpsToTheirEnd(id, detail, job)
        break
      }
      await new Promise((r) => setTimeout(r, 300))
    }
    current = null
    busy(false)
    onDone()
    refreshRecent()
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
            srid.focus()
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
              h('td', {}, layerTitle(j.layer), h('div.hint', {}, j.sourceName ?? '')),
              h('td', {}, u.status[j.status] ?? j.status),
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
  return h('div', {}, form, recent)
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
          ),
        )
      : null
  return h(
    'div',
    { dataset: { status: job.status } },
    h('p', {}, h('strong', { id: 'job-status' }, u.status[job.status] ?? job.status), ` · ${u.job} #${job.id} · ${layerTitle(job.layer)}`),
    job.counts
      ? h(
          'p',
          { id: 'job-counts' },
          Object.keys(c)
            .map((k) => `${c[k]} ${f.int(job.counts[k])}`)
            .join('，'),
        )
      : null,
    h(
      'p',
      { id: 'job-crs' },
      `${u.crsFound}：`,
      job.sourceCrs ? `${f.crsName(job.sourceCrs)}${job.sourceCrs.epsg ? `（EPSG:${job.sourceCrs.epsg}）` : ''}，${how(job.sourceCrs.how)}` : s.common.dash,
    ),
    h(
      'p',
      { id: 'job-encoding' },
      `${u.encodingFound}：`,
      job.encoding
        ? `${job.encoding.name}，${how(job.encoding.how)}${job.encoding.detail && job.encoding.detail !== job.encoding.name ? `（${job.encoding.detail}）` : ''}`
        : s.common.dash,
    ),
    issues(u.issues.errors, job.errors, 'error-box job-errors'),
    followUps(job.followUps ?? []),
    issues(u.issues.warnings, job.warnings, 'job-warnings'),
  )
}

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
