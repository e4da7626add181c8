/**
 * 产线状态 Line status: every line's live state (text + shape, never colour alone), since when, the calendar
 * segment now, and today's OEE so far with A × P × Q and the six big losses — from
 * /api/v1/factories/:id/lines/status, refreshed every 30 s. Below, OEE per line per day for the last 7 days
 * from /oee?groupBy=line,day. `?at=<ISO or ms>` in the hash shows another instant (stored history).
 */
import { apiGet, factoryPath } from '../api.js';
import { h, table } from '../dom.js';
import { formatNumber, formatPercent, formatTime } from '../format.js';
import { label, t } from '../i18n.js';
import { clippedNote, dataExtent, defaultPeriod } from '../periods.js';
import { emptyNote, pageHeader, section, updatedNote } from './common.js';
import { lineGantt } from './line-gantt.js';
import { coverageFlag } from './line-panel.js';

const SHAPES = {
  running: '▶',
  idle: '❚❚',
  setup: '⚙',
  unplannedStop: '■',
  plannedStop: '○',
  unknown: '?',
};

export function stateBadge(state) {
  return h(
    'span',
    { class: ['badge', `badge-state-${state}`], 'data-state': state },
    h('span', { 'aria-hidden': 'true' }, SHAPES[state] ?? '?'),
    ' ',
    label('lossCategory', state),
  );
}

const pct = (v, lang) => (v === null || v === undefined ? '—' : formatPercent(v, lang));
const min = (v, lang) => formatNumber(Math.round(v), lang);

function statusTable(ctx, lines) {
  return table(
    null,
    [
      {
        label: t('lines.col.line'),
        cell: (l) =>
          h(
            'a',
            { href: `#/lines/${encodeURIComponent(ctx.factoryId)}?line=${encodeURIComponent(l.assetPath)}` },
            l.name ? `${l.name}（${l.assetPath}）` : l.assetPath,
          ),
      },
      { label: t('lines.col.state'), cell: (l) => stateBadge(l.state) },
      { label: t('lines.col.since'), cell: (l) => formatTime(l.sinceMs, { seconds: false }) },
      {
        label: t('lines.col.calendar'),
        class: 'hide-phone',
        cell: (l) => label('calendarSegment', l.calendar),
      },
      {
        label: t('lines.col.oee'),
        class: 'num',
        cell: (l) => [pct(l.today.oee, ctx.lang), ' ', coverageFlag(l, ctx.lang)],
      },
      {
        label: t('lines.col.apq'),
        class: 'num',
        cell: (l) =>
          `${pct(l.today.availability, ctx.lang)} × ${pct(l.today.performance, ctx.lang)} × ${pct(l.today.quality, ctx.lang)}`,
      },
      { label: t('lines.col.good'), class: 'num', cell: (l) => formatNumber(l.today.goodCount, ctx.lang, 0) },
      {
        label: t('lines.col.losses'),
        class: 'hide-phone',
        cell: (l) => {
          const s = l.today.sixBigLossesMin;
          return [
            `${t('loss.breakdowns')} ${min(s.breakdowns, ctx.lang)}`,
            `${t('loss.setup')} ${min(s.setupAdjustments, ctx.lang)}`,
            `${t('loss.minorStops')} ${min(s.idlingMinorStops, ctx.lang)}`,
            `${t('loss.speed')} ${min(s.reducedSpeed, ctx.lang)}`,
            `${t('loss.rejects')} ${min(s.startupRejects + s.productionRejects, ctx.lang)}`,
          ].join(' · ');
        },
      },
    ],
    lines,
    { id: 'line-status-table' },
  );
}

/** A day with no state data at all is "—", not 0 %: unknown time is not a stop. */
function dayOee(row, lang) {
  if (!row || row.totals.plannedProductionMs === 0) return '—';
  if (row.totals.unknownMs >= row.totals.plannedProductionMs) return t('lines.noData');
  return pct(row.oee, lang);
}

function dailyTable(ctx, rows) {
  const lines = [...new Set(rows.map((r) => r.assetPath))];
  const dates = [...new Set(rows.map((r) => r.date))].sort();
  const cell = (path, date) => rows.find((r) => r.assetPath === path && r.date === date);
  return table(
    null,
    [
      { label: t('lines.col.line'), cell: (p) => cell(p, dates[0])?.name ?? p },
      ...dates.map((d) => ({ label: d, class: 'num', cell: (p) => dayOee(cell(p, d), ctx.lang) })),
    ],
    lines,
    { id: 'line-oee-table' },
  );
}

export const lineStatusPage = {
  async render(ctx) {
    const at = ctx.query.at;
    const load = () => apiGet(factoryPath(ctx.factoryId, '/lines/status'), { at });
    const status = await load();
    const body = (s) => (s.lines.length ? statusTable(ctx, s.lines) : emptyNote(t('lines.empty')));
    const title = (s) => t('lines.now', { time: formatTime(s.atMs, { seconds: false }) });
    const panel = section(title(status), body(status));
    ctx.view.append(pageHeader(t('lines.title'), t('lines.intro')), panel);
    const chosen = status.lines.find((l) => l.assetPath === ctx.query.line);
    if (chosen) ctx.view.append(await lineGantt(ctx, chosen, status.atMs));
    if (status.lines.length) {
      // OEE history: the last 7 days, clipped to the stored machine-state data.
      const extent = await dataExtent(ctx.factoryId);
      const machines = extent ? { firstMs: extent.machines.firstMs, lastMs: extent.machines.lastMs } : null;
      const p = defaultPeriod(machines, 7, { nowMs: status.atMs, wholeDays: true });
      const toMs = Math.min(p.toMs, status.atMs);
      const oee = await apiGet(factoryPath(ctx.factoryId, '/oee'), {
        from: p.fromMs,
        to: Math.max(toMs, p.fromMs + 1),
        groupBy: 'line,day',
      });
      if (!ctx.isCurrent()) return;
      ctx.view.append(section(t('lines.daily'), clippedNote(machines, p), dailyTable(ctx, oee.rows)));
    }
    ctx.view.append(updatedNote());
    // Live view: only the status panel is refreshed, so reading the page is not interrupted by focus moves.
    if (!at)
      ctx.every(30_000, async () => {
        const next = await load().catch(() => null);
        if (next && ctx.isCurrent()) panel.replaceChildren(h('h2', {}, title(next)), body(next));
      });
  },
};
