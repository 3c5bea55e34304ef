// A modal question (the native <dialog>): resolves true when the person confirms, false when they
// cancel, press Esc or close it. Used before a review step, which cannot be taken back.
import { h } from './dom.js'

/**
 * `body`: nodes or text under the title; `danger` marks a warning (the confirm button is then not
 * the primary colour). The dialog is removed from the page when answered.
 */
export function ask({ id, title, body, ok, cancel, danger = false }) {
  return new Promise((resolve) => {
    const yes = h('button', { type: 'submit', value: 'ok', class: danger ? 'danger' : 'primary', dataset: { answer: 'ok' } }, ok)
    const no = h('button', { type: 'submit', value: 'cancel', dataset: { answer: 'cancel' } }, cancel)
    const titleId = `${id}-title`
    const dialog = h(
      'dialog',
      { id, class: danger ? 'ask danger' : 'ask', 'aria-labelledby': titleId },
      h('form', { method: 'dialog' }, h('h2', { id: titleId }, title), ...[body].flat(), h('div.row.answers', {}, no, yes)),
    )
    dialog.addEventListener('close', () => {
      dialog.remove()
      resolve(dialog.returnValue === 'ok')
    })
    document.body.append(dialog)
    dialog.showModal()
    // the safe answer has the focus: Enter does not take the step by accident
    no.focus()
  })
}
