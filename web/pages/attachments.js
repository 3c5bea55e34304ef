// 证明材料 on the project page: the supporting documents (供地批文、规划许可证、不动产登记 scans) with who uploaded them
// and when, a download for everyone who may see the project, and for the county an upload form and deletion. The
// API decides who may upload or delete now (mayUpload, mayDelete) and which files it takes; the page only asks.
import { api, download, postForm, session } from '../api.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { problemBox, replaceWhenLoaded } from '../problem.js'
import { s } from '../strings.js'

const a = s.attachments

/**
 * The section for project `id`; `refresh()` reads the list again (after a review step: whether the county may
 * still delete follows the project's status).
 */
export function attachmentsSection(id) {
  const status = h('div', { id: 'attachments-status', 'aria-live': 'polite' })
  const message = h('div', { id: 'attachments-message', 'aria-live': 'polite' })
  const box = h('div', { id: 'attachments-body' })
  const el = h('section.card', { id: 'attachments' }, h('h2', {}, a.title), status, box, message)
  const base = `/projects/${id}/attachments`
  const say = (text) => clear(message).append(h('p', { role: 'status' }, text))
  const fail = (err) => clear(message).append(problemBox(err))

  async function refresh() {
    await replaceWhenLoaded(box, status, async () => {
      const list = await api(base)
      return [
        h('p.hint', {}, a.hint(list.mediaTypes.map((t) => t.nameZh).join('、'), f.bytes(list.maxBytes), list.maxPerProject)),
        list.items.length ? filesTable(list) : h('p', { id: 'attachments-none' }, a.none),
        uploadForm(list),
      ]
    })
  }

  function filesTable(list) {
    const c = a.cols
    const rows = list.items.map((item) =>
      h(
        'tr',
        { dataset: { id: String(item.id), category: item.category } },
        // the file's own name as the county gave it: delivered data, not the interface's text
        h('td', { translate: 'no' }, item.fileName),
        h('td', {}, item.category),
        h('td.num', {}, f.bytes(item.sizeBytes)),
        h('td', { translate: 'no' }, item.note ?? ''),
        h('td', { translate: 'no' }, item.uploadedBy),
        h('td', {}, f.dateTime(item.uploadedAt)),
        h(
          'td',
          {},
          h(
            'button',
            { type: 'button', class: 'link', dataset: { download: String(item.id) }, onclick: () => download(item.url, item.fileName).catch(fail) },
            a.download,
          ),
          list.mayDelete ? ' ' : null,
          list.mayDelete ? h('button', { type: 'button', class: 'link', dataset: { delete: String(item.id) }, onclick: () => remove(item) }, a.delete) : null,
        ),
      ),
    )
    return table([c.fileName, c.category, c.size, c.note, c.uploadedBy, c.uploadedAt, c.actions], rows, { id: 'attachments-table' })
  }

  async function remove(item) {
    if (!window.confirm(a.confirmDelete(item.fileName))) return
    try {
      await api(`${base}/${item.id}`, { method: 'DELETE' })
      await refresh()
      say(a.deleted(item.fileName))
    } catch (err) {
      fail(err)
    }
  }

  function uploadForm(list) {
    if (!list.mayUpload) {
      // a county key is refused only by the count limit; every other key reads
      const full = session.principal?.role === 'county' && list.items.length >= list.maxPerProject
      return h('p.hint', { id: 'attachments-readonly' }, full ? a.full(list.maxPerProject) : a.readOnly)
    }
    const category = h(
      'select',
      { name: 'category', id: 'attachment-category' },
      list.categories.map((c) => h('option', { value: c }, c)),
    )
    const accept = list.mediaTypes.flatMap((t) => [t.mediaType, ...t.extensions]).join(',')
    const file = h('input', { type: 'file', name: 'file', id: 'attachment-file', accept })
    const note = h('input', { name: 'note', id: 'attachment-note', maxlength: '500', size: 24 })
    const submit = h('button', { type: 'submit', class: 'primary' }, a.upload)
    return h(
      'form',
      {
        id: 'attachment-form',
        onsubmit: async (e) => {
          e.preventDefault()
          clear(message)
          const chosen = file.files?.[0]
          if (!chosen) {
            message.append(h('p.error', { role: 'alert' }, a.noFile))
            file.focus()
            return
          }
          const form = new FormData()
          form.append('category', category.value)
          if (note.value.trim()) form.append('note', note.value.trim())
          form.append('file', chosen, chosen.name)
          submit.disabled = true
          say(a.uploading)
          try {
            const created = await postForm(base, form)
            await refresh()
            say(a.uploaded(created.fileName))
          } catch (err) {
            fail(err)
          } finally {
            submit.disabled = false
          }
        },
      },
      h('div.row', {}, h('label', {}, a.category, category), h('label', {}, a.file, file), h('label', {}, a.note, note), submit),
      list.mayDelete ? null : h('p.hint', { id: 'attachments-delete-locked' }, a.deleteLocked),
    )
  }

  return { el, refresh }
}
