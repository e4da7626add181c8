/**
 * Ingest statistics and dead letters (admin): broker connection, totals, rejections per reason, store
 * health, and the bounded dead-letter store with each raw payload (filter by reason, page back by id).
 */
import { API, apiGet } from '../api.js';
import { h, stat, table } from '../dom.js';
import { formatNumber, formatTime } from '../format.js';
import { t } from '../i18n.js';
import { emptyNote, pageHeader, section, updatedNote } from './common.js';

const PAGE = 50;

function countsTable(counts, keyLabel, lang) {
  const rows = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1]);
  if (!rows.length) return emptyNote(t('ingest.none'));
  return table(
    null,
    [
      { label: keyLabel, cell: ([k]) => h('code', {}, k) },
      { label: t('ingest.count'), class: 'num', cell: ([, v]) => formatNumber(v, lang) },
    ],
    rows,
  );
}

function statsView(s, lang) {
  const n = (v) => formatNumber(v, lang);
  return [
    h(
      'div',
      { class: 'stats', id: 'ingest-stats' },
      stat(t('ingest.connected'), s.connected ? t('ingest.yes') : t('ingest.no'), s.subscription ?? null),
      stat(t('ingest.pointsStored'), n(s.totals.pointsStored), null, { id: 'stat-points-stored' }),
      stat(t('ingest.duplicates'), n(s.totals.duplicates)),
      stat(t('ingest.parked'), n(s.parkedBatches)),
      stat(t('ingest.deadLetters'), n(s.deadLetters)),
      stat(t('ingest.rebirths'), n(s.totals.rebirthsRequested)),
      stat(
        t('ingest.store'),
        `${s.store.kind} · ${s.store.ok ? 'OK' : '✕'}`,
        s.store.lastError ?? t('ingest.backlog', { n: n(s.store.backlogPoints) }),
      ),
      stat(t('ingest.storeErrors'), n(s.totals.storeErrors)),
    ),
    h(
      'div',
      { class: 'columns three' },
      section(t('ingest.messages'), countsTable(s.totals.messages, t('col.kind'), lang)),
      section(t('ingest.rejectedMessages'), countsTable(s.totals.rejectedMessages, t('col.reason'), lang)),
      section(t('ingest.rejectedPoints'), countsTable(s.totals.rejectedPoints, t('col.reason'), lang)),
    ),
  ];
}

function deadLetterTable(rows, lang) {
  return table(
    null,
    [
      { label: 'ID', class: 'num', cell: (r) => String(r.id) },
      { label: t('col.time'), cell: (r) => formatTime(r.atMs) },
      { label: t('col.reason'), cell: (r) => h('code', {}, r.reason) },
      { label: t('ingest.topic'), cell: (r) => h('code', { class: 'wrap' }, r.topic) },
      { label: t('ingest.points'), class: 'num', cell: (r) => formatNumber(r.pointCount, lang) },
      {
        label: t('ingest.payload'),
        cell: (r) =>
          h(
            'details',
            {},
            h(
              'summary',
              {},
              t('ingest.bytes', { n: formatNumber(r.payloadBytes, lang) }),
              r.truncated ? ` ${t('ingest.truncated')}` : '',
            ),
            h('p', { class: 'problem-detail' }, r.detail),
            h(
              'pre',
              { class: 'payload' },
              r.payloadEncoding === 'base64' ? `base64: ${r.payload}` : r.payload,
            ),
          ),
      },
    ],
    rows,
    { id: 'dead-letters' },
  );
}

export const ingestPage = {
  async render(ctx) {
    const reason = ctx.query.reason || undefined;
    const beforeId = ctx.query.beforeId || undefined;
    const [stats, letters] = await Promise.all([
      apiGet(`${API}/ingest/stats`),
      apiGet(`${API}/ingest/dead-letters`, { reason, beforeId, limit: PAGE }),
    ]);
    const reasons = [
      ...new Set([
        ...Object.keys(stats.totals.rejectedMessages ?? {}),
        ...letters.map((l) => l.reason),
        reason,
      ]),
    ]
      .filter(Boolean)
      .sort();
    const filter = h(
      'div',
      { class: 'field' },
      h('label', { for: 'dl-reason' }, t('ingest.reasonFilter')),
      h(
        'select',
        {
          id: 'dl-reason',
          onchange: (e) => {
            location.hash = `#/ingest${e.target.value ? `?reason=${encodeURIComponent(e.target.value)}` : ''}`;
          },
        },
        h('option', { value: '' }, t('devices.all')),
        reasons.map((r) => h('option', { value: r, selected: r === reason }, r)),
      ),
    );
    const last = letters[letters.length - 1];
    const older =
      letters.length === PAGE && last
        ? h(
            'a',
            {
              href: `#/ingest?${new URLSearchParams({ ...(reason ? { reason } : {}), beforeId: String(last.id) })}`,
            },
            t('ingest.older'),
          )
        : null;
    ctx.view.append(
      pageHeader(t('ingest.title')),
      ...statsView(stats, ctx.lang),
      section(
        `${t('ingest.deadLetters')} · ${t('ingest.dlCount', { n: formatNumber(stats.deadLetters, ctx.lang) })}`,
        filter,
        letters.length ? deadLetterTable(letters, ctx.lang) : emptyNote(t('ingest.noDeadLetters')),
        older,
      ),
      updatedNote(),
    );
  },
};
