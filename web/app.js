// The console shell: sign-in gate, navigation by role, hash routes → page modules.
import { api, ApiError, session } from './api.js'
import { h, clear } from './dom.js'
import { hashPath } from './hash-query.js'
import { problemBox } from './problem.js'
import { loadSettings, roleName } from './settings.js'
import { s } from './strings.js'

const routes = [
  { path: /^#\/layers$/, nav: 'layers', load: () => import('./pages/layers.js') },
  { path: /^#\/map$/, nav: 'map', load: () => import('./pages/map.js') },
  { path: /^#\/projects$/, nav: 'projects', load: () => import('./pages/projects.js') },
  { path: /^#\/projects\/(\d+)$/, nav: 'projects', load: () => import('./pages/project.js') },
  { path: /^#\/projects\/(\d+)\/sheet$/, nav: 'projects', load: () => import('./pages/sheet.js') },
  // the queue's sort rides in the hash (#/reviews?sort=dueOn&dir=desc): a link or a reload keeps it
  { path: /^#\/reviews(?:\?[^#]*)?$/, nav: 'reviews', load: () => import('./pages/reviews.js') },
  // several sheets at once: #/sheets?ids=1,2,3 (the ids in the hash query)
  { path: /^#\/sheets$/, nav: 'projects', load: () => import('./pages/sheets.js') },
  { path: /^#\/bundles$/, nav: 'bundles', load: () => import('./pages/bundles.js') },
  { path: /^#\/province$/, nav: 'province', load: () => import('./pages/province.js'), roles: ['province', 'admin'] },
  { path: /^#\/accounts$/, nav: 'accounts', load: () => import('./pages/accounts.js'), roles: ['admin'] },
  // Not in the menu: reached from the 修改密码 link beside the name.
  { path: /^#\/password$/, nav: 'password', load: () => import('./pages/password.js'), hidden: true },
]

const main = () => document.getElementById('main')

/** Where a person starts: the province's offices on 省级 (their daily work is the province's tables), others on their layers. */
const homeOf = (principal) => (principal?.role === 'province' ? '#/province' : '#/layers')
let cleanup = null

function renderHeader() {
  document.title = s.appTitle
  document.getElementById('app-title').textContent = s.appTitle
  document.getElementById('skip').textContent = s.skipToMain
  const p = session.principal
  const nav = clear(document.getElementById('nav'))
  nav.setAttribute('aria-label', s.mainNav)
  const who = clear(document.getElementById('who'))
  // On a phone the navigation folds behind a menu button (app.css); each page starts with it folded.
  const menu = document.getElementById('menu')
  menu.textContent = s.menu
  menu.hidden = !p
  menu.setAttribute('aria-expanded', 'false')
  menu.onclick = () => menu.setAttribute('aria-expanded', String(menu.getAttribute('aria-expanded') !== 'true'))
  if (p) {
    const current = routes.find((r) => r.path.test(hashPath()))?.nav
    for (const r of routes.filter((r, i, all) => all.findIndex((x) => x.nav === r.nav) === i)) {
      if (r.hidden || (r.roles && !r.roles.includes(p.role))) continue
      nav.append(
        h(
          'a',
          { href: `#/${r.nav}`, 'aria-current': r.nav === current ? 'page' : undefined },
          s.nav[r.nav],
          r.nav === 'reviews' ? h('span', { id: 'nav-review-counts', class: 'nav-count', hidden: true }) : null,
        ),
      )
    }
    refreshReviewCounts()
    who.append(
      h('span', { id: 'principal', dataset: { role: p.role, region: p.region ?? '' } }, s.signIn.signedInAs(p.name, roleName(p.role), p.region)),
      p.kind === 'account' ? h('a', { href: '#/password', id: 'change-password' }, s.password.link) : null,
      h(
        'button',
        {
          type: 'button',
          id: 'sign-out',
          onclick: async () => {
            await session.signOut()
            location.hash = ''
            route()
          },
        },
        s.signIn.signOut,
      ),
    )
  }
  nav.append(h('a', { href: '/docs', target: '_blank', rel: 'noopener' }, s.apiDocs))
}

/**
 * 待审核 n · 逾期 m beside 审核: the signed-in key's own queue (GET /reviews/counts). Read again on
 * every page and after a review step; a failed read leaves the badge off rather than showing an error.
 */
async function refreshReviewCounts() {
  if (!session.principal) return
  let counts
  try {
    counts = await api('/reviews/counts')
  } catch {
    return
  }
  const badge = document.getElementById('nav-review-counts')
  if (!badge) return
  badge.hidden = counts.pending === 0
  badge.className = `nav-count${counts.overdue ? ' overdue' : ''}`
  badge.dataset.pending = String(counts.pending)
  badge.dataset.overdue = String(counts.overdue)
  badge.textContent = s.review.navCounts(counts.pending, counts.overdue)
  // on a phone the navigation is folded: the menu button carries the same badge
  const menu = document.getElementById('menu')
  menu.querySelector('.nav-count')?.remove()
  if (counts.pending) menu.append(h('span', { class: badge.className, 'aria-hidden': 'true' }, badge.textContent))
}
window.addEventListener('lowland:reviewed', refreshReviewCounts)

let generation = 0

/** Renders the page of the current hash; a later hash change wins over a page still loading. */
async function route() {
  const mine = ++generation
  cleanup?.()
  cleanup = null
  const view = h('div', { class: 'view' })
  clear(main()).append(view)
  // The first page load asks the service who is signed in (the cookie is not readable here).
  if (!session.known) {
    try {
      await session.refresh()
    } catch (err) {
      if (mine === generation) view.append(problemBox(err))
      return
    }
    if (mine !== generation) return
  }
  if (!session.principal || session.principal.mustChangePassword) {
    renderHeader()
    const { render } = await import('./pages/signin.js')
    // A link opened without a session (#/projects/123 in a new tab) keeps its address through the
    // sign-in: after it, that page opens rather than the home page.
    const wanted = routes.find((r) => r.path.test(hashPath()))
    if (mine === generation)
      render(view, {
        onSignedIn: () => {
          const p = session.principal
          if (!wanted || (wanted.roles && !wanted.roles.includes(p?.role))) location.hash = homeOf(p)
          route()
        },
      })
    return
  }
  if (!routes.some((r) => r.path.test(hashPath()))) {
    location.replace(homeOf(session.principal))
    return
  }
  // Every page shows the API's names (web/settings.js); a failed load leaves the codes shown.
  await loadSettings().catch(() => null)
  if (mine !== generation) return
  renderHeader()
  const r = routes.find((x) => x.path.test(hashPath()))
  const params = r.path.exec(hashPath()).slice(1)
  // A title per page: the browser's tabs and history name the page, not only the console.
  document.title = `${s.nav[r.nav]} · ${s.appTitle}`
  view.append(h('p', { class: 'hint', id: 'loading' }, s.common.loading))
  let done
  try {
    // The page's module is fetched the first time it is visited: with the service stopped that fails
    // like any request, and the page says so instead of staying blank.
    const page = await r.load().catch(() => {
      throw new ApiError(0, { detailZh: s.problems.network })
    })
    if (mine !== generation) return
    done = (await page.render(view, { params, principal: session.principal })) ?? null
  } catch (err) {
    if (mine === generation) view.append(problemBox(err))
    return
  } finally {
    view.querySelector('#loading')?.remove()
  }
  // A page that finished after the user moved on is taken down at once.
  if (mine !== generation) {
    done?.()
    view.remove()
    return
  }
  cleanup = done
  main().focus({ preventScroll: true })
}

window.addEventListener('hashchange', route)
route()
