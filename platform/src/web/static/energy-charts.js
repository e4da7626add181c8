// @ts-check
/**
 * ECharts options of the energy pages, built from API answers (pure: data + words in, option out). Every time
 * axis uses the shifted x values of charts.js (China Standard Time), every tooltip the class-styled HTML.
 */
import { timeAxis, timeChartBase, timeZoom, tooltipHtml, x, xTime } from './charts.js';
import { displayUnit, formatNumber, formatPercent } from './format.js';
import { t } from './i18n.js';
import { getTheme } from './theme.js';

/** @typedef {import('./step.js').StepPoint} StepPoint */

/** ToU period shading: low-contrast bands that read on both themes. */
const TOU_COLORS = {
  valley: 'rgba(64, 192, 87, 0.10)',
  flat: 'rgba(128, 128, 128, 0.0)',
  peak: 'rgba(253, 126, 20, 0.13)',
  critical: 'rgba(240, 62, 62, 0.18)',
};

/** Plain label text in the theme's ink (ECharts outlines label text by default, which blurs it). */
const plainLabel = () => ({
  textBorderWidth: 0,
  textShadowBlur: 0,
  color: getTheme() === 'dark' ? '#dde4ea' : '#1b2733',
});

/** @param {number | null | undefined} v @param {string} unit @param {string} lang */
const val = (v, unit, lang) =>
  v === null || v === undefined ? '—' : `${formatNumber(v, lang)} ${displayUnit(unit)}`.trim();

/**
 * @param {{ startMs: number, kw: number | null }[]} pts
 * @param {number} shiftMs  moves another day's curve onto today's axis
 * @returns {[number, number | null][]}
 */
const quarterSeries = (pts, shiftMs = 0) => {
  /** @type {[number, number | null][]} */
  const out = pts.map((p) => [x(p.startMs + shiftMs), p.kw]);
  const last = pts[pts.length - 1];
  if (last) out.push([x(last.startMs + shiftMs + 900_000), last.kw]);
  return out;
};

/**
 * The main incomer today: live power (step, last value held), the 15-min sliding demand, the quarter-hour demand
 * from the energy counter, yesterday and the same weekday last week on today's clock, the contract demand and
 * the time-of-use bands.
 * @param {any} load  the overview's `load`
 * @param {{ power: StepPoint[] | null, sliding: StepPoint[] | null }} live
 * @param {string} lang
 @returns {import('echarts').EChartsOption}
 */
export function loadCurveOption(load, live, lang) {
  const day0 = load.today[0]?.startMs ?? 0;
  const DAY = 86_400_000;
  const shifted = (/** @type {StepPoint[]} */ s) => s.map(([tm, v]) => [x(tm), v]);
  /** @type {any[]} */
  const series = [];
  const bands = load.tou
    .filter((/** @type {any} */ b) => b.type !== 'flat')
    .map((/** @type {any} */ b) => [
      { xAxis: x(b.startMs), itemStyle: { color: TOU_COLORS[/** @type {keyof TOU_COLORS} */ (b.type)] } },
      { xAxis: x(b.endMs) },
    ]);
  series.push({
    name: t('energy.load.quarter'),
    type: 'line',
    step: 'end',
    showSymbol: false,
    lineStyle: { width: 2 },
    data: quarterSeries(load.today),
    markArea: { silent: true, data: bands },
    markLine: load.contractDemandKw
      ? {
          symbol: 'none',
          silent: true,
          lineStyle: { type: 'dashed', width: 2, color: '#e03131' },
          label: {
            ...plainLabel(),
            formatter: t('energy.load.contract', { kw: formatNumber(load.contractDemandKw, lang) }),
            position: 'insideEndTop',
          },
          data: [{ yAxis: load.contractDemandKw }],
        }
      : undefined,
    markPoint: load.peakToday
      ? {
          symbol: 'pin',
          symbolSize: 46, // room for a four-digit figure with its thousands separator
          label: { formatter: formatNumber(load.peakToday.kw, lang, 0), fontSize: 10, textBorderWidth: 0 },
          data: [
            { coord: [x(load.peakToday.startMs + 450_000), load.peakToday.kw], name: t('energy.load.peak') },
          ],
        }
      : undefined,
  });
  if (live.power)
    series.push({
      name: t('energy.load.live'),
      type: 'line',
      step: 'end',
      showSymbol: false,
      lineStyle: { width: 1 },
      data: shifted(live.power),
    });
  if (live.sliding)
    series.push({
      name: t('energy.load.sliding'),
      type: 'line',
      showSymbol: false,
      lineStyle: { width: 1.5 },
      data: shifted(live.sliding),
    });
  series.push(
    {
      name: t('energy.load.yesterday'),
      type: 'line',
      step: 'end',
      showSymbol: false,
      lineStyle: { type: 'dashed', width: 1 },
      data: quarterSeries(load.yesterday, DAY),
    },
    {
      name: t('energy.load.lastWeek'),
      type: 'line',
      step: 'end',
      showSymbol: false,
      lineStyle: { type: 'dotted', width: 1 },
      data: quarterSeries(load.sameWeekdayLastWeek, 7 * DAY),
    },
  );
  return {
    // The axis unit sits below the legend row (on a phone the legend spans the width and covered it).
    grid: { left: 48, right: 16, top: 68, bottom: 48, containLabel: false },
    legend: { top: 18, type: 'scroll' },
    xAxis: timeAxis(x(day0), x(day0 + DAY)),
    yAxis: { type: 'value', name: 'kW', nameGap: 8, scale: false },
    tooltip: {
      trigger: 'axis',
      formatter: (/** @type {any} */ ps) =>
        tooltipHtml(
          xTime(ps[0]?.value?.[0] ?? 0),
          ps.map((/** @type {any} */ p) => [p.seriesIndex, p.seriesName, val(p.value?.[1], 'kW', lang)]),
        ),
    },
    dataZoom: timeZoom(),
    series,
  };
}

/**
 * Horizontal bars: a label and a value per row (areas, top consumers).
 * @param {{ name: string, value: number | null, note?: string }[]} rows
 * @param {string} unit
 * @param {string} lang
 @returns {import('echarts').EChartsOption}
 */
export function barsOption(rows, unit, lang) {
  const shown = [...rows].reverse();
  return {
    grid: { left: 8, right: 56, top: 28, bottom: 8, containLabel: true },
    xAxis: {
      type: 'value',
      name: displayUnit(unit),
      nameGap: 4,
      splitNumber: 3,
      axisLabel: { hideOverlap: true },
    },
    yAxis: {
      type: 'category',
      data: shown.map((r) => r.name),
      axisLabel: { width: 120, overflow: 'truncate' },
    },
    tooltip: {
      trigger: 'item',
      formatter: (/** @type {any} */ p) => {
        const r = shown[p.dataIndex];
        return tooltipHtml(r?.name ?? '', [
          [0, t('energy.value'), val(r?.value, unit, lang)],
          ...(r?.note ? [/** @type {[number,string,string]} */ ([0, '', r.note])] : []),
        ]);
      },
    },
    series: [
      {
        type: 'bar',
        data: shown.map((r) => r.value),
        label: {
          ...plainLabel(),
          show: true,
          position: 'right',
          formatter: (/** @type {any} */ p) => formatNumber(p.value, lang, 0),
        },
        barMaxWidth: 18,
      },
    ],
  };
}

/**
 * One line of a Sankey name: 11-px text (CJK glyphs need 13 px) on a plate of 1 px padding. Nodes of one column
 * are stacked at least this far apart (ECharts `nodeGap`, kept by its collision pass), so the names beside them,
 * centred on their nodes, cannot overlap however small the consumers are.
 */
const SANKEY_ROW_PX = 15;
const SANKEY_FONT_PX = 11;
/** Room for the flows themselves beyond the names' lines, and the most a Sankey grows (then names hide). */
const SANKEY_FLOW_PX = { wide: 220, narrow: 320 };
const SANKEY_MAX_PX = { wide: 1400, narrow: 1800 };
/** Width left for the end nodes' names (right margin) on a wide screen and on a phone. */
const SANKEY_NAMES_PX = { wide: 150, narrow: 96 };

/**
 * Nodes that start no link: ECharts's default alignment ('justify') puts them all in the last column, the
 * column that needs the most lines.
 * @param {any} flow  /energy/flow answer
 * @returns {Set<string>}
 */
function sankeyEnds(flow) {
  const sources = new Set(flow.links.map((/** @type {any} */ l) => l.source));
  return new Set(
    flow.links.map((/** @type {any} */ l) => l.target).filter((/** @type {string} */ id) => !sources.has(id)),
  );
}

/**
 * The Sankey's height and node gap: a name line per end node plus room for the flows, up to a limit; past it the
 * gap shrinks and names that would overlap are hidden (the smallest nodes' first — ECharts `hideOverlap` keeps
 * the larger), their name, figure and coverage still in the tooltip and the table below.
 * @param {any} flow  /energy/flow answer
 * @param {boolean} narrow  a phone-width view
 * @returns {{ heightPx: number, nodeGapPx: number }}
 */
export function sankeyLayout(flow, narrow) {
  const ends = sankeyEnds(flow).size;
  const w = narrow ? 'narrow' : 'wide';
  const wanted = SANKEY_ROW_PX * ends + SANKEY_FLOW_PX[w];
  const heightPx = Math.min(SANKEY_MAX_PX[w], Math.max(narrow ? 480 : 380, wanted));
  const nodeGapPx = Math.max(
    2,
    Math.min(SANKEY_ROW_PX, Math.floor((heightPx - SANKEY_FLOW_PX[w]) / Math.max(1, ends))),
  );
  return { heightPx, nodeGapPx };
}

/**
 * The metering tree as a Sankey (remainders grey, named as losses and unmetered loads), left to right with every
 * node named beside it — on a phone (`narrow`) the name only, on a wide screen name and figure; end nodes' names
 * cut to the margin they have (the full name, figure and coverage in the tooltip and the table below).
 * @param {any} flow  /energy/flow answer
 * @param {string} lang
 * @param {boolean} narrow  a phone-width view
 @returns {import('echarts').EChartsOption}
 */
export function sankeyOption(flow, lang, narrow) {
  const nodes = flow.nodes.filter((/** @type {any} */ n) => n.kind !== 'excess');
  const byId = new Map(nodes.map((/** @type {any} */ n) => [n.id, n]));
  const nameOf = (/** @type {any} */ n) => (n.kind === 'remainder' ? t('energy.flow.remainder') : n.name);
  const linked = new Set(flow.links.flatMap((/** @type {any} */ l) => [l.source, l.target]));
  const ends = sankeyEnds(flow);
  const dark = getTheme() === 'dark';
  const namesPx = SANKEY_NAMES_PX[narrow ? 'narrow' : 'wide'];
  const layout = sankeyLayout(flow, narrow);
  return {
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (/** @type {any} */ p) => {
        if (p.dataType === 'edge') {
          const s = byId.get(p.data.source);
          const tg = byId.get(p.data.target);
          return tooltipHtml(`${s ? nameOf(s) : ''} → ${tg ? nameOf(tg) : ''}`, [
            [0, t('energy.value'), val(p.data.value, flow.unit, lang)],
          ]);
        }
        const n = byId.get(p.data.name);
        if (!n) return '';
        return tooltipHtml(n.kind === 'remainder' ? `${n.name} · ${t('energy.flow.remainder')}` : n.name, [
          [0, t('energy.value'), val(n.quantity, flow.unit, lang)],
          [1, t('energy.coverage'), formatPercent(n.coverage, lang)],
          ...(n.costCny !== null
            ? [
                /** @type {[number,string,string]} */ ([
                  2,
                  t('energy.cost'),
                  `¥ ${formatNumber(n.costCny, lang, 0)}`,
                ]),
              ]
            : []),
        ]);
      },
    },
    series: [
      {
        type: 'sankey',
        orient: 'horizontal',
        left: narrow ? 4 : 8,
        right: namesPx,
        top: narrow ? 4 : 28,
        bottom: narrow ? 8 : 10,
        nodeGap: layout.nodeGapPx,
        nodeWidth: narrow ? 8 : 12,
        draggable: false,
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', opacity: 0.35 },
        // Names that would still overlap (a tree too big for the height limit, a long inner name reaching the
        // next column) are hidden, the smaller node's first. Not on a phone with a name line per end node: there
        // the inner names' plates (cut to 90 px) reach into the last column and would hide end names that do
        // not overlap any other name.
        ...(!narrow || layout.nodeGapPx < SANKEY_ROW_PX ? { labelLayout: { hideOverlap: true } } : {}),
        label: {
          ...plainLabel(),
          fontSize: SANKEY_FONT_PX,
          lineHeight: SANKEY_ROW_PX - 2,
          formatter: (/** @type {any} */ p) => {
            const n = byId.get(p.name);
            if (!n) return p.name;
            // On a phone the name only: the figure is one tap away (tooltip) and in the table.
            return narrow ? nameOf(n) : `${nameOf(n)} ${formatNumber(n.quantity, lang, 0)}`;
          },
          // Names of inner nodes sit over the flows: a plate keeps them legible.
          backgroundColor: dark ? 'rgba(16, 22, 28, 0.72)' : 'rgba(255, 255, 255, 0.78)',
          padding: [1, 2],
          borderRadius: 2,
          ...(narrow ? { width: namesPx - 6, overflow: 'truncate', ellipsis: '…' } : {}),
        },
        data: nodes
          .filter((/** @type {any} */ n) => linked.has(n.id) || n.parentId === null)
          .map((/** @type {any} */ n) => ({
            name: n.id,
            ...(n.kind === 'remainder' ? { itemStyle: { color: '#868e96' } } : {}),
            // End nodes' names stay inside the chart's right margin.
            ...(ends.has(n.id)
              ? { label: { width: namesPx - 10, overflow: 'truncate', ellipsis: '…' } }
              : {}),
          })),
        links: flow.links,
      },
    ],
  };
}

/**
 * Mean rate per weekday × hour.
 * @param {any} load  /energy/meters/:id/load answer
 * @param {string} lang
 @returns {import('echarts').EChartsOption}
 */
export function heatmapOption(load, lang) {
  const cells = load.heatmap.filter((/** @type {any} */ c) => c.mean !== null);
  const max = Math.max(1e-9, ...cells.map((/** @type {any} */ c) => c.mean));
  const days = [1, 2, 3, 4, 5, 6, 7].map((d) => t(`weekday.${d}`));
  return {
    grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
    xAxis: {
      type: 'category',
      data: Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')),
      splitArea: { show: true },
    },
    yAxis: { type: 'category', data: days, inverse: true, splitArea: { show: true } },
    visualMap: {
      min: 0,
      max,
      calculable: true,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 120,
      text: [displayUnit(load.rateUnit), ''],
    },
    tooltip: {
      formatter: (/** @type {any} */ p) =>
        tooltipHtml(`${days[p.value[1]]} ${String(p.value[0]).padStart(2, '0')}:00`, [
          [0, t('energy.meanRate'), val(p.value[2], load.rateUnit, lang)],
        ]),
    },
    series: [
      {
        type: 'heatmap',
        data: cells.map((/** @type {any} */ c) => [c.hour, c.weekday - 1, c.mean]),
        label: { show: false },
      },
    ],
  };
}

/**
 * A node's rate over the period (step per interval).
 * @param {any} load
 * @param {string} lang
 @returns {import('echarts').EChartsOption}
 */
export function meterCurveOption(load, lang) {
  /** @type {[number, number | null][]} */
  const data = load.curve.map((/** @type {any} */ p) => [x(p.startMs), p.kw]);
  const last = load.curve[load.curve.length - 1];
  if (last) data.push([x(Math.min(load.toMs, last.startMs + load.intervalMs)), last.kw]);
  return {
    ...timeChartBase({
      fromMs: load.fromMs,
      toMs: load.toMs,
      unit: displayUnit(load.rateUnit),
      name: load.name,
      fmt: (v) => val(v, load.rateUnit, lang),
    }),
    series: [
      { name: load.name, type: 'line', step: 'end', showSymbol: false, areaStyle: { opacity: 0.12 }, data },
    ],
  };
}

const LOSSES = [
  ['breakdowns', 'loss.breakdowns'],
  ['setupAdjustments', 'loss.setup'],
  ['idlingMinorStops', 'loss.minorStops'],
  ['reducedSpeed', 'loss.speed'],
  ['startupRejects', 'loss.startupRejects'],
  ['productionRejects', 'loss.productionRejects'],
];

/**
 * Six big losses of each line today, minutes, stacked.
 * @param {any[]} lines  /lines/status rows
 * @param {string} lang
 @returns {import('echarts').EChartsOption}
 */
export function lossesOption(lines, lang) {
  const names = lines.map((l) => l.name ?? l.assetPath).reverse();
  const rows = [...lines].reverse();
  return {
    grid: { left: 8, right: 16, top: 56, bottom: 8, containLabel: true },
    legend: { top: 0, type: 'plain', itemWidth: 14, itemGap: 8 },
    xAxis: { type: 'value', name: t('energy.minutes') },
    yAxis: { type: 'category', data: names, axisLabel: { width: 100, overflow: 'truncate' } },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (/** @type {any} */ ps) =>
        tooltipHtml(
          ps[0]?.name ?? '',
          ps.map((/** @type {any} */ p) => [
            p.seriesIndex,
            p.seriesName,
            `${formatNumber(p.value, lang, 0)} ${t('energy.min')}`,
          ]),
        ),
    },
    series: LOSSES.map(([k, key]) => ({
      name: t(/** @type {string} */ (key)),
      type: 'bar',
      stack: 'losses',
      barMaxWidth: 16,
      data: rows.map((l) => Math.round(l.today?.sixBigLossesMin?.[/** @type {string} */ (k)] ?? 0)),
    })),
  };
}
