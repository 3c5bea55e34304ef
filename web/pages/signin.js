// Sign-in: the key is checked against GET /api/v1/keys/me, then held in sessionStorage only.
import { api, ApiError, session } from '../api.js'
import { h } from '../dom.js'
import { s } from '../strings.js'

export function render(el, { onSignedIn }) {
  const input = h('input', { type: 'password', id: 'key', name: 'key', autocomplete: 'off', required: true, size: 40, 'aria-describedby': 'key-hint' })
  // Sent back here because the key stopped working (revoked, expired): say so.
  const message = h('p', { class: 'error', role: 'alert' }, session.takeEndedReason() ?? '')
  const form = h(
    'form',
    {
      id: 'sign-in',
      onsubmit: async (e) => {
        e.preventDefault()
        message.textContent = ''
        const key = input.value.trim()
        try {
          const principal = await api('/keys/me', { key })
          session.save(key, principal)
          onSignedIn()
        } catch (err) {
          message.textContent = err instanceof ApiError && err.status === 401 ? s.signIn.failed : err.message
        }
      },
    },
    h('label', {}, s.signIn.keyLabel, input),
    h('p', { class: 'hint', id: 'key-hint' }, s.signIn.keyHint),
    h('button', { type: 'submit', class: 'primary' }, s.signIn.submit),
    message,
  )
  el.append(h('section.card', {}, h('h1', {}, s.signIn.title), form))
  input.focus()
}
