// 账号管理 (admin): the officers' accounts — create (the initial password is shown once), disable and
// enable (an open session ends at once), reset a password (to be changed at next sign-in).
import { api } from '../api.js'
import { clear, h, table } from '../dom.js'
import * as f from '../format.js'
import { problemBox } from '../problem.js'
import { countyLabel, roleName, settings } from '../settings.js'
import { s } from '../strings.js'

const a = s.accounts

export async function render(el) {
  const list = h('div', { id: 'accounts-list' })
  const message = h('div', { id: 'accounts-message', 'aria-live': 'polite' })
  const username = h('input', { id: 'account-username', required: true, pattern: '[a-z0-9][a-z0-9._\\-]{1,63}', size: 16, autocomplete: 'off' })
  const displayName = h('input', { id: 'account-name', required: true, size: 10 })
  const role = h('select', { id: 'account-role' }, ...(settings()?.roles ?? []).map((r) => h('option', { value: r.code }, r.nameZh)))
  const region = h('input', { id: 'account-region', pattern: '[0-9]{4}([0-9]{2})?', size: 8, title: a.regionHint, placeholder: a.regionHint })
  const say = (node) => clear(message).append(node)

  const form = h(
    'form.row',
    {
      id: 'account-create',
      onsubmit: async (e) => {
        e.preventDefault()
        try {
          const body = { username: username.value.trim(), displayName: displayName.value.trim(), role: role.value, region: region.value.trim() || null }
          const created = await api('/users', { method: 'POST', body })
          say(h('p', { class: 'ok', id: 'initial-password' }, a.newPassword(created.account.displayName, created.password)))
          form.reset()
          await load()
        } catch (err) {
          say(problemBox(err))
        }
      },
    },
    h('label', {}, a.username, username),
    h('label', {}, a.displayName, displayName),
    h('label', {}, a.role, role),
    h('label', {}, a.region, region),
    h('button', { type: 'submit', class: 'primary' }, a.createSubmit),
  )

  async function change(account, body, confirmText) {
    if (confirmText && !window.confirm(confirmText)) return
    try {
      const r = await api(`/users/${encodeURIComponent(account.username)}`, { method: 'PATCH', body })
      if (r.password) say(h('p', { class: 'ok', id: 'initial-password' }, a.newPassword(r.account.displayName, r.password)))
      await load()
    } catch (err) {
      say(problemBox(err))
    }
  }

  async function load() {
    const accounts = await api('/users')
    const rows = accounts.map((x) =>
      h(
        'tr',
        { dataset: { username: x.username } },
        h('td', {}, x.username),
        h('td', {}, x.displayName),
        h('td', {}, roleName(x.role)),
        h('td', {}, x.region ? countyLabel(x.region) : s.common.dash),
        h('td', {}, x.enabled ? (x.mustChangePassword ? a.mustChange : a.enabled) : a.disabled),
        h('td', {}, x.lastSignInAt ? f.dateTime(x.lastSignInAt) : a.never),
        h(
          'td',
          {},
          x.enabled
            ? h('button', { type: 'button', class: 'disable', onclick: () => change(x, { enabled: false }, a.confirmDisable(x.displayName)) }, a.disable)
            : h('button', { type: 'button', class: 'enable', onclick: () => change(x, { enabled: true }) }, a.enable),
          ' ',
          h('button', { type: 'button', class: 'reset', onclick: () => change(x, { resetPassword: true }, a.confirmReset(x.displayName)) }, a.reset),
        ),
      ),
    )
    clear(list).append(table([a.username, a.displayName, a.role, a.region, a.state, a.lastSignIn, a.actions], rows, { id: 'accounts-table' }))
  }

  el.append(h('h1', {}, a.title), h('section.card', {}, h('h2', {}, a.create), form, message), h('section.card', {}, list))
  await load()
}
