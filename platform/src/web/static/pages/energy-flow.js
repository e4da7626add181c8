// @ts-check
/**
 * 能流图 Energy flow: the metering tree of one medium as a Sankey for any period (incomer → feeders →
 * equipment, each parent's remainder shown as losses and unmetered loads), and for the node clicked its load
 * curve and weekday × hour heat map. Period and medium live in the URL (`?from=YYYY-MM-DD&to=…&medium=…&node=…`,
 * `to` inclusive); the default is the last 30 days of stored data, clipped to where the data begins.
 */
import { apiGet, factoryPath } from '../api.js';
import { ChartSlot, loadECharts } from '../charts.js';
import { h, table } from '../dom.js';
import { heatmapOption, meterCurveOption, sankeyLayout, sankeyOption } from '../energy-charts.js';
import { displayUnit, formatNumber, formatPercent } from '../format.js';
import { label, t } from '../i18n.js';
import {
  clippedNote,
  coverageWarning,
  DAY_MS,
  dataExtent,
  dateMs,
  defaultPeriod,
  localDate,
} from '../periods.js';
import { emptyNote, pageHeader, section, updatedNote } from './common.js';

/** @param {any} ctx @param {string} name */
const opts = (ctx, name) => ({
  lang: ctx.lang,
  filename: `${ctx.factoryId}-${name}`,
  labels: { png: t('chart.png'), csv: t('chart.csv'), zoom: t('chart.zoom'), reset: t('chart.reset') },
  onCleanup: ctx.onCleanup,
  zoom: false,
});

/** @param {any} ctx @param {Record<string, string>} q */
const go = (ctx, q) => {
  location.hash = `#/flow/${encodeURIComponent(ctx.factoryId)}?${new URLSearchParams(q)}`;
};

/** @param {any} ctx @param {any} flow @param {{ from: string, to: string, medium: string }} q */
function form(ctx, flow, q) {
  const from = h('input', { type: 'date', id: 'flow-from', value: q.from, required: true });
  const to = h('input', { type: 'date', id: 'flow-to', value: q.to, required: true });
  const medium = h(
    'select',
    { id: 'flow-medium' },
    (flow?.media ?? ['electricity']).map((/** @type {string} */ m) =>
      h('option', { value: m, selected: m === q.medium }, label('medium', m)),
    ),
  );
  const f = h(
    'form',
    { class: 'chart-controls', id: 'flow-form' },
    h('div', { class: 'field' }, h('label', { for: 'flow-from' }, t('period.from')), from),
    h('div', { class: 'field' }, h('label', { for: 'flow-to' }, t('period.toIncl')), to),
    h('div', { class: 'field' }, h('label', { for: 'flow-medium' }, t('col.medium')), medium),
    h('div', { class: 'field field-submit' }, h('button', { type: 'submit' }, t('chart.show'))),
  );
  f.addEventListener('submit', (/** @type {Event} */ e) => {
    e.preventDefault();
    go(ctx, {
      from: /** @type {HTMLInputElement} */ (from).value,
      to: /** @type {HTMLInputElement} */ (to).value,
      medium: /** @type {HTMLSelectElement} */ (medium).value,
    });
  });
  return f;
}

/** @param {any} ctx @param {any} flow */
function nodeTable(ctx, flow) {
  const rows = flow.nodes.filter((/** @type {any} */ n) => n.kind !== 'remainder' || n.quantity > 0);
  return table(
    null,
    [
      {
        label: t('col.name'),
        cell: (/** @type {any} */ n) =>
          n.kind === 'meter'
            ? h(
                'a',
                {
                  href: `#/flow/${encodeURIComponent(ctx.factoryId)}?${new URLSearchParams({ ...ctx.query, node: n.id })}`,
                },
                n.name,
              )
            : `${n.name} · ${t(n.kind === 'excess' ? 'energy.flow.excess' : 'energy.flow.remainder')}`,
      },
      { label: t('col.role'), cell: (/** @type {any} */ n) => (n.role ? label('meterRole', n.role) : '—') },
      {
        label: `${t('energy.value')} (${displayUnit(flow.unit)})`,
        class: 'num',
        cell: (/** @type {any} */ n) => formatNumber(n.quantity, ctx.lang, 0),
      },
      {
        label: t('energy.coverage'),
        class: 'num',
        cell: (/** @type {any} */ n) => formatPercent(n.coverage, ctx.lang),
      },
      {
        label: t('energy.cost'),
        class: 'num',
        cell: (/** @type {any} */ n) =>
          n.costCny === null ? '—' : `¥ ${formatNumber(n.costCny, ctx.lang, 0)}`,
      },
    ],
    rows,
    { id: 'flow-nodes' },
  );
}

export const flowPage = {
  /** @param {any} ctx */
  async render(ctx) {
    loadECharts().catch(() => {}); // loads while the data is on its way
    const extent = await dataExtent(ctx.factoryId);
    const def = defaultPeriod(extent, 30, { wholeDays: true });
    const q = {
      from: ctx.query.from ?? localDate(def.fromMs),
      to: ctx.query.to ?? localDate(def.toMs - DAY_MS),
      medium: ctx.query.medium ?? 'electricity',
    };
    const fromMs = dateMs(q.from);
    const toMs = dateMs(q.to) + DAY_MS;
    ctx.view.append(pageHeader(t('energy.flow.title'), t('energy.flow.intro')));
    const isDefault = !ctx.query.from && !ctx.query.to;
    if (isDefault) ctx.view.append(clippedNote(extent, def));
    const warn = coverageWarning(extent, fromMs, toMs, ctx.lang);
    if (warn && !isDefault) ctx.view.append(warn);
    if (!(toMs > fromMs)) {
      ctx.view.append(form(ctx, null, q), emptyNote(t('period.invalid')));
      return;
    }
    const flow = await apiGet(factoryPath(ctx.factoryId, '/energy/flow'), {
      from: fromMs,
      to: Math.min(toMs, Date.now() + 900_000),
      medium: q.medium,
    });
    if (!ctx.isCurrent()) return;
    ctx.view.append(form(ctx, flow, q));
    const box = h('div', {
      id: 'sankey-chart',
      class: 'chart-box chart-sankey',
      role: 'img',
      'aria-label': t('energy.flow.title'),
    });
    const excess = flow.nodes.filter((/** @type {any} */ n) => n.kind === 'excess');
    ctx.view.append(
      section(
        `${label('medium', flow.medium)} · ${q.from} – ${q.to}`,
        flow.links.length ? box : emptyNote(t('energy.noData')),
        excess.length
          ? h(
              'p',
              { class: 'notice' },
              t('energy.flow.excessNote', { names: excess.map((/** @type {any} */ n) => n.name).join('、') }),
            )
          : null,
        h('details', { class: 'chart-table' }, h('summary', {}, t('chart.table')), nodeTable(ctx, flow)),
      ),
    );
    if (flow.links.length) {
      const slot = new ChartSlot(box, {
        ...opts(ctx, `flow-${q.medium}-${q.from}-${q.to}`),
        csv: () => ({
          header: ['id', 'name', 'kind', 'parent', `quantity_${flow.unit}`, 'coverage', 'cost_cny'],
          rows: flow.nodes.map((/** @type {any} */ n) => [
            n.id,
            n.name,
            n.kind,
            n.parentId,
            n.quantity,
            n.coverage,
            n.costCny,
          ]),
        }),
      });
      const narrow = ctx.view.clientWidth < 640;
      box.style.height = `${sankeyLayout(flow, narrow).heightPx}px`;
      const chart = await slot.set(sankeyOption(flow, ctx.lang, narrow));
      chart.on('click', (/** @type {any} */ p) => {
        if (p.dataType === 'node' && !String(p.name).includes('~')) go(ctx, { ...q, node: p.name });
      });
    }
    const nodeId = ctx.query.node;
    if (nodeId && flow.nodes.some((/** @type {any} */ n) => n.id === nodeId && n.kind === 'meter')) {
      const load = await apiGet(
        factoryPath(ctx.factoryId, `/energy/meters/${encodeURIComponent(nodeId)}/load`),
        {
          from: fromMs,
          to: Math.min(toMs, Date.now() + 900_000),
        },
      );
      if (!ctx.isCurrent()) return;
      const curveBox = h('div', { id: 'node-curve', class: 'chart-box', role: 'img' });
      const heatBox = h('div', { id: 'node-heatmap', class: 'chart-box', role: 'img' });
      ctx.view.append(
        section(
          `${load.name}（${load.meterId}）`,
          h(
            'p',
            { class: 'muted' },
            t('energy.flow.nodeNote', {
              total: formatNumber(load.total, ctx.lang, 0),
              unit: displayUnit(load.unit),
              cov: formatPercent(load.coverage, ctx.lang),
            }),
          ),
          h(
            'div',
            { class: 'columns' },
            h('div', {}, h('h3', {}, t('energy.flow.curve')), curveBox),
            h('div', {}, h('h3', {}, t('energy.flow.heatmap')), heatBox),
          ),
        ),
      );
      const csv = () => ({
        header: ['start', `rate_${load.rateUnit}`],
        rows: load.curve.map((/** @type {any} */ p) => [new Date(p.startMs).toISOString(), p.kw]),
      });
      await new ChartSlot(curveBox, { ...opts(ctx, `${nodeId}-load`), csv, zoom: true }).set(
        meterCurveOption(load, ctx.lang),
      );
      await new ChartSlot(heatBox, opts(ctx, `${nodeId}-heatmap`)).set(heatmapOption(load, ctx.lang));
      curveBox.scrollIntoView?.({ block: 'nearest' });
    }
    ctx.view.append(updatedNote());
  },
};
