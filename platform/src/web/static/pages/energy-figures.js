// @ts-check
/**
 * The overview's figures as DOM: one card per period (tce, ¥, tCO₂, change against the same span before, data
 * coverage) and the per-medium table (each medium in its own unit). A figure without data reads "—" with the
 * reason, never 0; a change is shown only when both spans are covered.
 */
import { h, table } from '../dom.js';
import { displayUnit, formatNumber, formatPercent, formatTime } from '../format.js';
import { label, t } from '../i18n.js';

/** @param {number | null} change @param {string} lang @param {boolean} [quiet] nothing instead of "not comparable" */
export function changeBadge(change, lang, quiet = false) {
  if (change === null || change === undefined)
    return quiet ? null : h('span', { class: 'change change-none' }, t('energy.noChange'));
  const up = change > 0;
  return h(
    'span',
    { class: ['change', up ? 'change-up' : 'change-down'], 'data-change': String(change) },
    h('span', { 'aria-hidden': 'true' }, up ? '▲' : change < 0 ? '▼' : '＝'),
    ` ${formatNumber(Math.abs(change) * 100, lang, 1)}%`,
  );
}

/** @param {number} coverage @param {string} lang */
export function coverageNote(coverage, lang) {
  if (coverage >= 0.9995) return null;
  if (coverage <= 0) return h('span', { class: 'badge badge-warn' }, t('energy.noData'));
  return h(
    'span',
    { class: 'badge badge-warn' },
    t('energy.partial', { pct: formatPercent(coverage, lang) }),
  );
}

const PERIOD_COMPARE = {
  today: 'energy.vsYesterdaySameTime',
  yesterday: 'energy.vsDayBefore',
  thisMonth: 'energy.vsLastMonthSameDays',
  lastMonth: 'energy.vsMonthBefore',
};

/** The end of a period as a clock time; a whole day ends at 24:00, a month at its last day. @param {any} p */
function endClock(p) {
  const end = formatTime(p.toMs, { seconds: false });
  if (!end.endsWith('00:00')) return end.slice(-5);
  const last = formatTime(p.toMs - 1, { seconds: false }).slice(0, 10);
  return last === formatTime(p.fromMs, { seconds: false }).slice(0, 10) ? '24:00' : `${last} 24:00`;
}

/** @param {any} p a period of the overview @param {string} lang */
function periodCard(p, lang) {
  const fmt = (/** @type {number | null} */ v, /** @type {number} */ d) =>
    v === null ? '—' : formatNumber(v, lang, d);
  return h(
    'section',
    { class: 'stat period-card', 'data-period': p.key, 'data-tce': p.tce ?? '' },
    h('h2', { class: 'stat-label' }, t(`energy.period.${p.key}`)),
    h('p', { class: 'stat-value' }, fmt(p.tce, 2), h('span', { class: 'unit' }, ' tce')),
    h(
      'p',
      { class: 'stat-note' },
      `¥ ${fmt(p.costCny, 0)} · ${fmt(p.co2T, 1)} tCO₂`,
      p.costCny === null ? h('span', { class: 'muted' }, ` (${t('energy.costUnpriced')})`) : null,
    ),
    h(
      'p',
      { class: 'stat-note' },
      changeBadge(p.tceChange, lang),
      ' ',
      h('span', { class: 'muted' }, t(PERIOD_COMPARE[/** @type {keyof PERIOD_COMPARE} */ (p.key)])),
      ' ',
      coverageNote(p.coverage, lang),
    ),
    h('p', { class: 'stat-note muted' }, `${formatTime(p.fromMs, { seconds: false })} – ${endClock(p)}`),
  );
}

/** @param {any[]} periods @param {string} lang */
export function periodCards(periods, lang) {
  return h(
    'div',
    { class: 'stats period-cards', id: 'energy-periods' },
    periods.map((p) => periodCard(p, lang)),
  );
}

/**
 * Rows: media; columns: the four periods (quantity in the medium's unit, change, coverage).
 * @param {any[]} periods
 * @param {string} lang
 */
export function mediaTable(periods, lang) {
  const media = [...new Set(periods.flatMap((p) => p.media.map((/** @type {any} */ m) => m.medium)))];
  const cell = (/** @type {any} */ p, /** @type {string} */ medium) => {
    const m = p.media.find((/** @type {any} */ x) => x.medium === medium);
    if (!m) return '—';
    return h(
      'span',
      { class: 'medium-cell', 'data-period': p.key, 'data-medium': medium, 'data-value': m.quantity ?? '' },
      h('span', { class: 'qty' }, m.quantity === null ? '—' : formatNumber(m.quantity, lang, 0)),
      ' ',
      changeBadge(m.change, lang, true),
      coverageNote(m.coverage, lang),
    );
  };
  return table(
    null,
    [
      {
        label: t('col.medium'),
        cell: (/** @type {string} */ medium) => {
          const unit = periods[0]?.media.find((/** @type {any} */ x) => x.medium === medium)?.unit ?? '';
          return lang === 'en'
            ? `${label('medium', medium)} (${displayUnit(unit)})`
            : `${label('medium', medium)}（${displayUnit(unit)}）`;
        },
      },
      ...periods.map((p) => ({
        label: t(`energy.period.${p.key}`),
        class: 'num',
        cell: (/** @type {string} */ medium) => cell(p, medium),
      })),
    ],
    media,
    { id: 'energy-media' },
  );
}

/**
 * kWh per unit of each line's good output today.
 * @param {any[]} rows
 * @param {string} lang
 */
export function unitConsumptionTable(rows, lang) {
  return table(
    null,
    [
      { label: t('lines.col.line'), cell: (/** @type {any} */ r) => r.name },
      { label: t('energy.kwh'), class: 'num', cell: (/** @type {any} */ r) => formatNumber(r.kwh, lang, 0) },
      {
        label: t('energy.output'),
        class: 'num',
        cell: (/** @type {any} */ r) =>
          r.output === null ? '—' : `${formatNumber(Math.round(r.output), lang, 0)} ${r.outputUnit}`,
      },
      {
        label: t('energy.kwhPerUnit'),
        class: 'num',
        cell: (/** @type {any} */ r) =>
          r.kwhPerUnit === null ? '—' : `${formatNumber(r.kwhPerUnit, lang)} kWh/${r.outputUnit}`,
      },
    ],
    rows,
    { id: 'energy-unit-consumption' },
  );
}

/**
 * The day's data coverage: the share of quarter-hours with data over all meters, and the meters with gaps.
 * @param {any} c
 * @param {string} lang
 */
export function coveragePanel(c, lang) {
  return h(
    'div',
    { id: 'energy-coverage', 'data-share': c.share },
    h(
      'p',
      { class: 'coverage-figure' },
      h('strong', {}, formatPercent(c.share, lang)),
      ' ',
      t('energy.coverageOf', { n: c.meters }),
    ),
    c.metersWithGaps.length
      ? h(
          'ul',
          { class: 'compact-list' },
          c.metersWithGaps.map((/** @type {any} */ m) =>
            h(
              'li',
              {},
              lang === 'en'
                ? `${m.name} (${m.meterId}) ${formatPercent(m.coverage, lang)}`
                : `${m.name}（${m.meterId}）${formatPercent(m.coverage, lang)}`,
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('energy.noGaps')),
  );
}
