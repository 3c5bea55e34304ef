// 批量打印核查表 on a list page (projects, reviews): a checkbox per row, a select-all in the header and
// the button that opens the chosen projects' sheets (./sheets.js), one page each.
import { h } from '../dom.js'
import { s } from '../strings.js'

const t = s.sheets

/** `#/sheets?ids=1,2,3` for the projects chosen (in the order chosen). */
export const sheetsHref = (ids) => `#/sheets?ids=${ids.join(',')}`

/** A selection of projects on a list page: a checkbox per row, a select-all in the header and the print button. */
export function sheetSelection() {
  const chosen = new Set()
  const button = h('button', { type: 'button', id: 'print-sheets', disabled: true, onclick: () => (location.hash = sheetsHref([...chosen])) }, t.print(0))
  const update = () => {
    button.disabled = chosen.size === 0
    button.textContent = t.print(chosen.size)
  }
  return {
    button,
    /** The header cell's content: select all the rows shown. */
    header: () => {
      const all = h('input', {
        type: 'checkbox',
        class: 'select-all',
        'aria-label': t.selectAll,
        title: t.selectAll,
        // the rows of its own table (the review page has two)
        onchange: () => {
          for (const b of all.closest('table').querySelectorAll('input.select-project')) if (b.checked !== all.checked) b.click()
        },
      })
      return h('span', {}, all, ' ', t.select)
    },
    /** The row's cell with its checkbox, checked if chosen before the list was redrawn. */
    cell: (id, code) => {
      const box = h('input', {
        type: 'checkbox',
        class: 'select-project',
        value: String(id),
        checked: chosen.has(String(id)),
        'aria-label': t.selectOne(code),
        onchange: () => {
          if (box.checked) chosen.add(String(id))
          else chosen.delete(String(id))
          update()
        },
      })
      return h('td.select', {}, box)
    },
  }
}
