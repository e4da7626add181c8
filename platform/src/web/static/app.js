/**
 * The console shell: session (token → /console/whoami), hash router, header with factory selector and the
 * 中文/English toggle, side navigation, and error display (problem+json `detail`). Pages are modules with
 * `render(ctx)`; each render writes into a fresh view, so a slow stale page can never overwrite a newer one.
 */
import { AlarmFeed } from './alarm-feed.js';
import { API, ApiError, apiGet, clearToken, getToken, redeemSignInLink, setToken } from './api.js';
import { clear, h } from './dom.js';
import { getLang, initLang, label, setLang, t } from './i18n.js';
import { alarmsPage } from './pages/alarms.js';
import { assessPage } from './pages/assess.js';
import { assetsPage } from './pages/assets.js';
import { devicePage, devicesPage } from './pages/devices.js';
import { diagnosesPage } from './pages/diagnoses.js';
import { energyPage } from './pages/energy.js';
import { flowPage } from './pages/energy-flow.js';
import { gradingPage } from './pages/grading.js';
import { ingestPage } from './pages/ingest.js';
import { latestPage } from './pages/latest.js';
import { lineStatusPage } from './pages/line-status.js';
import { overviewPage } from './pages/overview.js';
import { chartPage } from './pages/series.js';
import { settingsPage } from './pages/settings.js';
import { signinPage } from './pages/signin.js';
import { problemBox } from './problem.js';
import { getTheme, initTheme, setTheme } from './theme.js';

const FACTORY_KEY = 'xiang.factory';
const ROUTES = [
  { name: 'signin', path: 'signin', page: signinPage, public: true, nav: 'nav.signin' },
  { name: 'energy', path: 'energy/:factoryId', page: energyPage, nav: 'nav.energy' },
  { name: 'flow', path: 'flow/:factoryId', page: flowPage, nav: 'nav.flow' },
  { name: 'alarms', path: 'alarms/:factoryId', page: alarmsPage, nav: 'nav.alarms' },
  { name: 'lines', path: 'lines/:factoryId', page: lineStatusPage, nav: 'nav.lines' },
  { name: 'chart', path: 'chart/:factoryId', page: chartPage, nav: 'nav.chart' },
  { name: 'diagnoses', path: 'diagnoses/:factoryId', page: diagnosesPage, nav: 'nav.diagnoses' },
  { name: 'grading', path: 'grading/:factoryId', page: gradingPage, nav: 'nav.grading' },
  { name: 'assess', path: 'assess/:factoryId/:assessmentId', page: assessPage, navAs: 'grading' },
  { name: 'overview', path: 'overview/:factoryId', page: overviewPage, nav: 'nav.overview' },
  { name: 'assets', path: 'assets/:factoryId', page: assetsPage, nav: 'nav.assets' },
  { name: 'devices', path: 'devices/:factoryId', page: devicesPage, nav: 'nav.devices' },
  { name: 'device', path: 'devices/:factoryId/:deviceId', page: devicePage, navAs: 'devices' },
  { name: 'latest', path: 'latest/:factoryId', page: latestPage, nav: 'nav.latest' },
  { name: 'settings', path: 'settings/:factoryId', page: settingsPage, nav: 'nav.settings' },
  { name: 'ingest', path: 'ingest', page: ingestPage, admin: true, nav: 'nav.ingest' },
];

const state = {
  session: null,
  seq: 0,
  cleanups: [],
  firstRender: true,
  booted: false,
  feed: null,
  /** @type {string | null} the code of a one-time sign-in link this page was opened with, until redeemed */
  once: null,
};

/**
 * `#once=<code>` (the link npm start prints): the code leaves the address bar and the history entry at once,
 * before any request, and is redeemed by the first render.
 */
function takeSignInLink() {
  const m = /^#once=([\w-]{16,64})$/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return m[1] ?? null;
}

/** Signs in with the one-time code; a spent or expired one leaves an existing session as it is. */
async function redeemOnce(code) {
  try {
    await signIn(await redeemSignInLink(code));
    return true;
  } catch {
    return false;
  }
}

/** The live alarm feed of a factory (one at a time; replaced when the factory changes). */
function alarmFeedFor(factoryId) {
  if (!state.session || !factoryId) return null;
  if (state.feed?.factoryId !== factoryId) {
    state.feed?.close();
    state.feed = new AlarmFeed(factoryId);
  }
  return state.feed;
}

/** localStorage, when the browser allows it (private modes may throw). */
function recall(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // not remembered across reloads; the console still works
  }
}
const el = {
  main: document.getElementById('main'),
  top: document.getElementById('topbar'),
  nav: document.getElementById('sidenav'),
};

export function parseHash(hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path, qs = ''] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(qs)) };
}

function match(path) {
  const segs = path.split('/').filter(Boolean);
  for (const r of ROUTES) {
    const pattern = r.path.split('/');
    if (pattern.length !== segs.length) continue;
    const params = {};
    const ok = pattern.every((p, i) => {
      if (!p.startsWith(':')) return p === segs[i];
      params[p.slice(1)] = decodeURIComponent(segs[i]);
      return params[p.slice(1)] !== '';
    });
    if (ok) return { route: r, params };
  }
  return null;
}

export function hrefFor(name, factoryId, query) {
  const r = ROUTES.find((x) => x.name === name);
  const path = r.path.replace(':factoryId', encodeURIComponent(factoryId ?? ''));
  const qs = query ? new URLSearchParams(query).toString() : '';
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

function currentFactory() {
  const list = state.session?.factoryList ?? [];
  const saved = recall(FACTORY_KEY);
  return list.find((f) => f.id === saved)?.id ?? list[0]?.id ?? null;
}

async function loadSession(token) {
  const who = await apiGet('/console/whoami', null, { token });
  const profiles = await apiGet(`${API}/factories`, null, { token });
  const ids = who.role === 'admin' ? profiles.map((f) => f.id) : who.factories;
  const factoryList = [...new Set(ids)]
    .sort()
    .map((id) => profiles.find((f) => f.id === id) ?? { id, name: '' });
  return { token, name: who.name, role: who.role, factories: who.factories, factoryList };
}

async function signIn(token) {
  const session = await loadSession(token);
  setToken(token);
  state.session = session;
}

/** After a sign-in: where the visitor was going (`next`), else the factory's energy overview. */
function afterSignIn(next) {
  const target = typeof next === 'string' ? match(next.split('?')[0] ?? '') : null;
  const f = currentFactory();
  const hash = target && !target.route.public ? `#/${next}` : f ? hrefFor('energy', f) : '#/signin';
  if (location.hash === hash) render();
  else location.hash = hash;
}

function signOut() {
  state.feed?.close();
  state.feed = null;
  clearToken();
  state.session = null;
  location.hash = '#/signin';
  render();
}

const factoryName = (f) => (f.name ? `${f.name}（${f.id}）` : f.id);

function themeToggle() {
  const dark = getTheme() === 'dark';
  return h(
    'button',
    {
      type: 'button',
      class: 'theme-toggle',
      id: 'theme-toggle',
      'aria-pressed': String(dark),
      title: t('app.themeHelp'),
      onclick: () => {
        setTheme(getTheme() === 'dark' ? 'light' : 'dark');
        render();
      },
    },
    t(dark ? 'app.themeLight' : 'app.themeDark'),
  );
}

/** Active alarms of the factory, live (SSE): count and worst severity, linking to the alarm page. */
function alarmBadge(factoryId) {
  const a = h('a', {
    class: 'alarm-badge',
    id: 'alarm-badge',
    href: hrefFor('alarms', factoryId),
    'data-count': '0',
  });
  const feed = alarmFeedFor(factoryId);
  const draw = (st) => {
    const n = st.active.length;
    const worst = st.active[0]?.severity ?? 'none';
    a.dataset.count = String(n);
    a.dataset.severity = worst;
    a.dataset.connected = String(st.connected);
    a.replaceChildren(h('span', { 'aria-hidden': 'true' }, n ? '⚠' : '✓'), ` ${t('alarm.badge', { n })}`);
    a.setAttribute('aria-label', t('alarm.badgeLabel', { n }));
  };
  if (feed) {
    const off = feed.subscribe(draw);
    state.badgeOff?.();
    state.badgeOff = off;
  }
  return a;
}

function renderShell(active, factoryId) {
  document.documentElement.lang = getLang();
  const s = state.session;
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'lang-toggle',
      lang: getLang() === 'en' ? 'zh-CN' : 'en',
      'aria-label': t('app.switchLangLabel'),
      onclick: () => {
        setLang(getLang() === 'en' ? 'zh-CN' : 'en');
        render();
      },
    },
    t('app.switchLang'),
  );
  let picker = null;
  if (s?.factoryList.length) {
    const select = h(
      'select',
      {
        id: 'factory-select',
        onchange: (e) => {
          remember(FACTORY_KEY, e.target.value);
          const scoped = active?.path.includes(':factoryId');
          const name = scoped ? (active.navAs ?? active.name) : 'energy';
          location.hash = hrefFor(name, e.target.value);
        },
      },
      // A factory outside the token's list (typed into the URL) is shown as what was asked for; the API refuses it.
      [
        ...s.factoryList,
        ...(s.factoryList.some((f) => f.id === factoryId) || !factoryId ? [] : [{ id: factoryId }]),
      ].map((f) => h('option', { value: f.id, selected: f.id === factoryId }, factoryName(f))),
    );
    picker = h(
      'div',
      { class: 'factory-picker' },
      h('label', { for: 'factory-select' }, t('app.factory')),
      select,
    );
  }
  clear(el.top).append(
    h('a', { class: 'brand', href: s ? hrefFor('energy', factoryId ?? '') : '#/signin' }, t('app.brand')),
    picker ?? h('span', { class: 'spacer' }),
    h(
      'div',
      { class: 'top-actions' },
      s && factoryId ? alarmBadge(factoryId) : null,
      s ? h('span', { class: 'who', id: 'who' }, `${s.name} · ${label('role', s.role)}`) : null,
      themeToggle(),
      toggle,
      s ? h('button', { type: 'button', class: 'link-button', onclick: signOut }, t('app.signOut')) : null,
    ),
  );
  const skip = document.getElementById('skip-link');
  if (skip) skip.textContent = t('app.skip');
  el.nav.setAttribute('aria-label', t('app.mainNav'));
  const items = ROUTES.filter((r) => r.nav)
    .filter((r) => r.public || (s && (!r.admin || s.role === 'admin')))
    .filter((r) => !r.path.includes(':factoryId') || factoryId);
  const current = active ? (active.navAs ?? active.name) : null;
  clear(el.nav).append(
    h(
      'ul',
      {},
      items.map((r) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: hrefFor(r.name, factoryId), 'aria-current': r.name === current ? 'page' : null },
            t(r.nav),
          ),
        ),
      ),
    ),
  );
}

export async function render() {
  const seq = ++state.seq;
  delete el.main.dataset.error;
  for (const c of state.cleanups.splice(0)) c();
  let spentLink = false;
  if (state.once) {
    const code = state.once;
    state.once = null;
    spentLink = !(await redeemOnce(code)) && !getToken();
    if (seq !== state.seq) return;
  }
  const { path, query } = parseHash(location.hash);
  const m = match(path);
  if (state.session === null && getToken() && !state.booted) {
    state.booted = true;
    try {
      state.session = await loadSession(getToken());
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) clearToken();
    }
    if (seq !== state.seq) return;
  }
  state.booted = true;
  const s = state.session;
  if (!path) {
    const f = currentFactory();
    location.hash = s && f ? hrefFor('energy', f) : spentLink ? '#/signin?link=spent' : '#/signin';
    return;
  }
  if (m && !m.route.public && !s) {
    location.hash = `#/signin?${new URLSearchParams({ next: location.hash.replace(/^#\/?/, '') })}`;
    return;
  }
  const route = m?.route;
  const factoryId = m?.params.factoryId ?? currentFactory();
  if (m?.params.factoryId && s?.factoryList.some((f) => f.id === factoryId)) {
    remember(FACTORY_KEY, factoryId);
  }
  renderShell(route, factoryId);

  const view = h('div', { class: 'view' });
  el.main.replaceChildren(view);
  el.main.dataset.page = route?.name ?? 'not-found';
  el.main.dataset.ready = 'false';
  const ctx = {
    view,
    params: m?.params ?? {},
    query,
    session: s,
    factoryId,
    factory: s?.factoryList.find((f) => f.id === factoryId) ?? { id: factoryId, name: '' },
    lang: getLang(),
    isCurrent: () => seq === state.seq,
    signIn,
    afterSignIn,
    signOut,
    rerender: render,
    alarmFeed: () => alarmFeedFor(factoryId),
    every(ms, fn) {
      const id = setInterval(() => {
        if (seq === state.seq) fn();
      }, ms);
      state.cleanups.push(() => clearInterval(id));
    },
    onCleanup: (fn) => state.cleanups.push(fn),
  };
  try {
    if (!route) throw new Error(t('app.notFound', { path }));
    if (route.admin && s?.role !== 'admin')
      view.append(problemBox(new ApiError(403, 'Forbidden', t('ingest.adminOnly'))));
    else await route.page.render(ctx);
  } catch (e) {
    if (seq !== state.seq) return;
    if (e?.name === 'AbortError') return;
    view.append(problemBox(e));
    if (e instanceof ApiError && e.status === 401) {
      // The token was revoked or expired while in use: forget it and offer the sign-in page.
      clearToken();
      state.session = null;
      view.append(h('p', {}, h('a', { href: '#/signin' }, t('nav.signin'))));
    }
    el.main.dataset.error = 'true';
  }
  if (seq !== state.seq) return;
  document.title = `${t(route?.nav ?? (route?.navAs ? `nav.${route.navAs}` : 'app.title'))} · ${t('app.title')}`;
  if (!state.firstRender) (view.querySelector('h1') ?? el.main).focus({ preventScroll: false });
  state.firstRender = false;
  el.main.dataset.ready = 'true';
}

function boot() {
  initLang();
  initTheme();
  document.getElementById('skip-link')?.addEventListener('click', (e) => {
    e.preventDefault(); // the hash belongs to the router
    el.main.focus();
  });
  state.once = takeSignInLink();
  window.addEventListener('hashchange', () => {
    // The link pasted into a tab already showing the console is a hash change, not a load.
    state.once = takeSignInLink() ?? state.once;
    render();
  });
  render();
}

boot();
