/**
 * How an error reaches the user: the API's RFC 9457 problem `detail` (specific, e.g. which factory the token
 * may not read) under a short localized heading, in an alert region so screen readers announce it.
 */
import { ApiError } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export function problemBox(err) {
  if (err instanceof ApiError) {
    const heading =
      err.status === 0 ? t('err.network') : `${t('err.title')} · ${t('err.http', { status: err.status })}`;
    return h(
      'div',
      { class: 'problem', role: 'alert', 'data-status': err.status },
      h('p', { class: 'problem-title' }, heading, err.title && err.status !== 0 ? ` — ${err.title}` : ''),
      h('p', { class: 'problem-detail' }, err.detail || err.message),
    );
  }
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    h('p', { class: 'problem-title' }, t('err.unexpected')),
    h('p', { class: 'problem-detail' }, err?.message ?? String(err)),
  );
}
