// @ts-check
/**
 * Line status rows shared by the overview and the line page: state (text + shape), since when, today's OEE with
 * A × P × Q, and — when the OEE rows carry one — a data-coverage flag (missing state data is never counted as a
 * stop). Each line links to its machines' state timeline (Gantt) for the shift.
 */
import { h, table } from '../dom.js';
import { formatPercent, formatTime } from '../format.js';
import { t } from '../i18n.js';
import { stateBadge } from './line-status.js';

const pct = (/** @type {number | null | undefined} */ v, /** @type {string} */ lang) =>
  v === null || v === undefined ? '—' : formatPercent(v, lang);

/**
 * The coverage of a line's figures when the API states one (`coverage` as a share, or `{ share | ratio }`, on
 * the row or its `today`), else null.
 * @param {any} row
 * @returns {number | null}
 */
export function coverageOf(row) {
  for (const c of [row?.today?.coverage, row?.coverage, row?.today?.dataCoverage, row?.dataCoverage]) {
    if (typeof c === 'number') return c;
    if (c && typeof c === 'object') {
      const v = c.share ?? c.ratio ?? c.known ?? null;
      if (typeof v === 'number') return v;
    }
  }
  return null;
}

/** @param {any} row @param {string} lang */
export function coverageFlag(row, lang) {
  const c = coverageOf(row);
  const flags = [...(row?.today?.flags ?? []), ...(row?.flags ?? [])];
  if ((c === null || c >= 0.999) && !flags.length) return null;
  return h(
    'span',
    { class: 'badge badge-warn', 'data-coverage': c ?? '' },
    c === null ? flags.join(', ') : t('energy.partial', { pct: formatPercent(c, lang) }),
  );
}

/** @param {any} ctx @param {any[]} lines */
export function lineTable(ctx, lines) {
  const link = (/** @type {any} */ l) =>
    h(
      'a',
      { href: `#/lines/${encodeURIComponent(ctx.factoryId)}?line=${encodeURIComponent(l.assetPath)}` },
      l.name ?? l.assetPath,
    );
  return table(
    null,
    [
      { label: t('lines.col.line'), cell: link },
      { label: t('lines.col.state'), cell: (/** @type {any} */ l) => stateBadge(l.state) },
      {
        label: t('lines.col.since'),
        cell: (/** @type {any} */ l) => formatTime(l.sinceMs, { seconds: false }).slice(5),
      },
      {
        label: t('lines.col.oee'),
        class: 'num',
        cell: (/** @type {any} */ l) => [
          h('strong', {}, pct(l.today.oee, ctx.lang)),
          h(
            'span',
            { class: 'muted apq' },
            `= ${pct(l.today.availability, ctx.lang)} × ${pct(l.today.performance, ctx.lang)} × ${pct(l.today.quality, ctx.lang)}`,
          ),
          coverageFlag(l, ctx.lang),
        ],
      },
    ],
    lines,
    { class: 'line-table', id: 'overview-line-table' },
  );
}
