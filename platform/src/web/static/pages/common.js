/** Pieces every page uses: the heading (focus target after navigation), status badges, device names. */
import { h } from '../dom.js';
import { formatTime } from '../format.js';
import { t } from '../i18n.js';

export function pageHeader(title, subtitle, ...actions) {
  return h(
    'header',
    { class: 'page-header' },
    h(
      'div',
      {},
      h('h1', { tabindex: '-1' }, title),
      subtitle ? h('p', { class: 'subtitle' }, subtitle) : null,
    ),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

/** Online state as text plus a shape, never colour alone. */
export function onlineBadge(online) {
  return h(
    'span',
    { class: ['badge', online ? 'badge-online' : 'badge-offline'] },
    h('span', { class: 'dot', 'aria-hidden': 'true' }, online ? '●' : '○'),
    ' ',
    t(online ? 'state.online' : 'state.offline'),
  );
}

export function qualityBadge(quality) {
  return h('span', { class: ['badge', `badge-q-${quality}`] }, t(`quality.${quality}`));
}

export function deviceLabel(d) {
  return d?.name ? `${d.name} (${d.id})` : (d?.id ?? '');
}

/** "Updated 2024-01-08 08:00:00 · times in UTC+8" footer line. */
export function updatedNote(ms = Date.now()) {
  return h('p', { class: 'updated' }, `${t('app.updated', { time: formatTime(ms) })} · ${t('app.tz')}`);
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), children);
}

export function emptyNote(text) {
  return h('p', { class: 'empty' }, text);
}
