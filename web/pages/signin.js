// Sign-in with a named account (user name and password). The service answers with a session cookie
// the page cannot read; a password an admin set or reset is changed here before anything else.
import { ApiError, session } from '../api.js'
import { h } from '../dom.js'
import { s } from '../strings.js'

export function render(el, { onSignedIn }) {
  const username = h('input', { type: 'text', id: 'username', name: 'username', autocomplete: 'username', required: true, size: 30 })
  const password = h('input', { type: 'password', id: 'password', name: 'password', autocomplete: 'current-password', required: true, size: 30 })
  // Sent back here because the session ended (signed out elsewhere, disabled, timed out): say so.
  const message = h('p', { class: 'error', role: 'alert' }, session.takeEndedReason() ?? '')
  const card = h('section.card', {}, h('h1', {}, s.signIn.title))
  const form = h(
    'form',
    {
      id: 'sign-in',
      onsubmit: async (e) => {
        e.preventDefault()
        message.textContent = ''
        try {
          const principal = await session.signIn(username.value.trim(), password.value)
          if (principal?.mustChangePassword) {
            form.replaceWith(passwordForm({ current: password.value, onDone: onSignedIn, forced: true }))
            return
          }
          onSignedIn()
        } catch (err) {
          message.textContent = err instanceof ApiError && err.status === 401 ? s.signIn.failed : err.message
        }
      },
    },
    h('label', {}, s.signIn.username, username),
    h('label', {}, s.signIn.password, password),
    h('p', { class: 'hint' }, s.signIn.hint),
    h('button', { type: 'submit', class: 'primary' }, s.signIn.submit),
    message,
  )
  card.append(form)
  el.append(card)
  // Signed in already (the cookie was still good) but the password must be changed first.
  if (session.principal?.mustChangePassword) form.replaceWith(passwordForm({ onDone: onSignedIn, forced: true }))
  else username.focus()
}

/** Change one's own password: the current one (known already right after a forced sign-in), the new one twice. */
export function passwordForm({ current, onDone, forced = false }) {
  const currentInput = h('input', { type: 'password', id: 'current-password', autocomplete: 'current-password', required: true, size: 30 })
  if (current) currentInput.value = current
  const next = h('input', { type: 'password', id: 'new-password', autocomplete: 'new-password', required: true, minlength: 10, size: 30 })
  const again = h('input', { type: 'password', id: 'new-password-again', autocomplete: 'new-password', required: true, size: 30 })
  const message = h('p', { class: 'error', role: 'alert' })
  return h(
    'form',
    {
      id: 'password-change',
      onsubmit: async (e) => {
        e.preventDefault()
        message.textContent = ''
        if (next.value !== again.value) {
          message.textContent = s.password.mismatch
          return
        }
        try {
          const { request } = await import('../api.js')
          await request('/api/v1/session/password', { method: 'POST', body: { currentPassword: currentInput.value, newPassword: next.value } })
          await session.refresh()
          onDone()
        } catch (err) {
          message.textContent = err instanceof ApiError ? err.lines.slice(1).join('；') || err.message : err.message
        }
      },
    },
    forced ? h('p', { class: 'hint', id: 'must-change' }, s.password.mustChange) : null,
    h('label', { hidden: current ? true : undefined }, s.password.current, currentInput),
    h('label', {}, s.password.next, next),
    h('label', {}, s.password.again, again),
    h('p', { class: 'hint' }, s.password.rules),
    h('button', { type: 'submit', class: 'primary' }, s.password.submit),
    message,
  )
}
