// 修改密码: a signed-in person changes their own password (the other browsers signed in end).
import { h } from '../dom.js'
import { s } from '../strings.js'
import { passwordForm } from './signin.js'

export function render(el) {
  const done = h('p', { class: 'ok', role: 'status', id: 'password-done' })
  const card = h('section.card', {}, h('h1', {}, s.password.title))
  const form = passwordForm({
    onDone: () => {
      form.reset()
      done.textContent = s.password.done
    },
  })
  card.append(form, done)
  el.append(card)
}
