// @ts-check
/**
 * Charts with Apache ECharts 6 (served from the platform's node_modules as vendor/echarts.esm.min.mjs — no
 * CDN), loaded on first use. One place sets what every chart has: the console's light or control-room dark
 * theme, zh-CN/English locale, zoom and pan (inside + slider dataZoom on time axes), tooltips written here as
 * class-styled HTML (the console's CSP forbids inline styles, which ECharts' default tooltip markup uses), and
 * a toolbox with PNG and CSV export. Charts resize with their container and are disposed with the page.
 */
import { formatTick, formatTime, UTC_OFFSET_MIN } from './format.js';
import { getTheme } from './theme.js';

/**
 * Time axes show China Standard Time whatever the browser's zone: x values are epoch ms shifted by +8 h and
 * the charts run with `useUTC`, so ECharts' own ticks fall on local hours and days. `x()` shifts, `fromX()`
 * shifts back (tooltips, CSV).
 */
export const SHIFT_MS = UTC_OFFSET_MIN * 60_000;
export const x = (/** @type {number} */ ms) => ms + SHIFT_MS;
export const fromX = (/** @type {number} */ v) => v - SHIFT_MS;
/** `2026-12-03 14:15` for a shifted x value. @param {number} v */
export const xTime = (v) => formatTime(fromX(v), { seconds: false });
/** A time axis in China Standard Time: `08:15`, `12-03` at midnight. */
export const timeAxis = (/** @type {number} */ min, /** @type {number} */ max) => ({
  type: /** @type {const} */ ('time'),
  min,
  max,
  axisLabel: { formatter: (/** @type {number} */ v) => formatTick(fromX(v), 3_600_000), hideOverlap: true },
});

/** @typedef {typeof import('echarts')} ECharts */
/** @typedef {import('echarts').ECharts} Chart */
/** @typedef {import('echarts').EChartsOption} Option */

/** @type {Promise<ECharts> | null} */
let loading = null;
/** The library, loaded once. */
export function loadECharts() {
  loading ??= import(new URL('./vendor/echarts.esm.min.mjs', import.meta.url).href).then((m) => {
    const e = /** @type {ECharts} */ (m);
    e.registerTheme('xiang-light', themeOf(false));
    e.registerTheme('xiang-dark', themeOf(true));
    return e;
  });
  return loading;
}

/** Series colours: distinguishable for the common colour-vision deficiencies, bright enough on dark. */
export const PALETTE_LIGHT = [
  '#0b7285',
  '#d9480f',
  '#5f3dc4',
  '#2b8a3e',
  '#c2255c',
  '#1971c2',
  '#e67700',
  '#495057',
];
export const PALETTE_DARK = [
  '#3bc9db',
  '#ff922b',
  '#b197fc',
  '#69db7c',
  '#f783ac',
  '#74c0fc',
  '#ffd43b',
  '#ced4da',
];

/** @param {boolean} dark */
function themeOf(dark) {
  const ink = dark ? '#d5dde5' : '#1b2733';
  const muted = dark ? '#8fa0b0' : '#5b6b7a';
  const grid = dark ? '#2a3744' : '#e3e8ee';
  const axis = {
    axisLine: { lineStyle: { color: muted } },
    axisLabel: { color: muted },
    splitLine: { lineStyle: { color: grid } },
  };
  return {
    color: dark ? PALETTE_DARK : PALETTE_LIGHT,
    backgroundColor: 'transparent',
    textStyle: { color: ink, fontFamily: 'inherit' },
    title: { textStyle: { color: ink } },
    legend: { textStyle: { color: ink } },
    timeAxis: axis,
    valueAxis: axis,
    categoryAxis: axis,
    toolbox: { iconStyle: { borderColor: muted } },
    dataZoom: { textStyle: { color: muted }, borderColor: grid },
  };
}

/** Text for HTML: tooltips are set as innerHTML by ECharts. @param {unknown} s */
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A tooltip body: a title and rows of [colour index, label, value], styled by classes only.
 * @param {string} title
 * @param {[number, string, string][]} rows
 */
export function tooltipHtml(title, rows) {
  const body = rows
    .map(
      ([c, l, v]) =>
        `<div class="tt-row"><span class="tt-swatch tt-c${c % 8}"></span><span class="tt-label">${esc(l)}</span><span class="tt-value">${esc(v)}</span></div>`,
    )
    .join('');
  return `<div class="tt"><div class="tt-title">${esc(title)}</div>${body}</div>`;
}

/** CSV text: a header row and data rows, quoted where needed, UTF-8 BOM so Excel reads Chinese. @param {string[]} header @param {(string|number|null)[][]} rows */
export function toCsv(header, rows) {
  const cell = (/** @type {unknown} */ v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `\uFEFF${[header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** @param {string} filename @param {string} text */
export function downloadText(filename, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * @typedef {{
 *   lang: string,
 *   filename: string,
 *   csv?: () => { header: string[], rows: (string|number|null)[][] },
 *   labels: { png: string, csv: string, zoom: string, reset: string },
 *   zoom?: boolean,
 *   onCleanup?: (fn: () => void) => void,
 * }} MountOptions
 */

/**
 * Every series' points as CSV rows (series, x, y): time axes back in ISO 8601 (UTC), categories as written.
 * @param {Chart} chart
 */
export function seriesCsv(chart) {
  const opt = /** @type {any} */ (chart.getOption());
  const xAxis = opt.xAxis?.[0];
  const yAxis = opt.yAxis?.[0];
  const xCats = xAxis?.data;
  const yCats = yAxis?.data;
  /** @type {(string|number|null)[][]} */
  const rows = [];
  for (const s of opt.series ?? []) {
    (s.data ?? []).forEach((/** @type {any} */ d, /** @type {number} */ i) => {
      const v = d?.value ?? d;
      if (Array.isArray(v)) {
        const x0 =
          xAxis?.type === 'time' && typeof v[0] === 'number' ? new Date(fromX(v[0])).toISOString() : v[0];
        rows.push([s.name ?? s.type, x0, ...v.slice(1)]);
      } else rows.push([s.name ?? s.type, xCats?.[i] ?? yCats?.[i] ?? d?.name ?? i, v]);
    });
  }
  return { header: ['series', 'x', 'value'], rows };
}

/**
 * Draws `option` into `el` and keeps it sized; returns the chart. PNG and CSV export are buttons before the chart
 * (keyboard-reachable, unlike canvas icons); zoom and reset sit in the chart's toolbox when asked for.
 * @param {HTMLElement} el
 * @param {Option} option
 * @param {MountOptions} o
 * @returns {Promise<Chart>}
 */
export async function mountChart(el, option, o) {
  const echarts = await loadECharts();
  const dark = getTheme() === 'dark';
  const chart = echarts.init(el, dark ? 'xiang-dark' : 'xiang-light', {
    renderer: 'canvas',
    locale: o.lang === 'en' ? 'EN' : 'ZH',
  });
  /** @type {Record<string, unknown>} */
  const feature = {};
  if (o.zoom) {
    feature.dataZoom = { yAxisIndex: 'none', title: { zoom: o.labels.zoom, back: o.labels.reset } };
    feature.restore = { title: o.labels.reset };
  }
  chart.setOption({
    animation: false,
    useUTC: true,
    ...(o.zoom ? { toolbox: { right: 8, top: 0, itemSize: 14, feature } } : {}),
    ...option,
  });
  const button = (/** @type {string} */ kind, /** @type {string} */ text, /** @type {() => void} */ run) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'small-button chart-export';
    b.dataset.export = kind;
    b.textContent = `⤓ ${kind.toUpperCase()}`;
    b.title = text;
    b.setAttribute('aria-label', text);
    b.addEventListener('click', run);
    return b;
  };
  const actions = document.createElement('div');
  actions.className = 'chart-actions';
  actions.append(
    button('png', o.labels.png, () => {
      const url = chart.getDataURL({
        type: 'png',
        pixelRatio: 2,
        backgroundColor: dark ? '#0f1923' : '#ffffff',
      });
      const a = document.createElement('a');
      a.href = url;
      a.download = `${o.filename}.png`;
      document.body.append(a);
      a.click();
      a.remove();
    }),
    button('csv', o.labels.csv, () => {
      const { header, rows } = o.csv ? o.csv() : seriesCsv(chart);
      downloadText(`${o.filename}.csv`, toCsv(header, rows));
    }),
  );
  el.before(actions);
  el.dataset.chartReady = 'true';
  const ro = new ResizeObserver(() => chart.resize());
  ro.observe(el);
  o.onCleanup?.(() => {
    ro.disconnect();
    chart.dispose();
  });
  return chart;
}

/** Zoom and pan on a time axis: wheel or drag inside, and a slider under it. @param {'none' | 'weakFilter'} [filterMode] */
export const timeZoom = (filterMode = 'none') => [
  { type: 'inside', filterMode },
  { type: 'slider', height: 16, bottom: 6, filterMode, labelFormatter: '' },
];

/**
 * What a one-series time chart has besides its series: the time axis in CST, a value axis with the unit, zoom,
 * and a tooltip "time · name value".
 * @param {{ fromMs: number, toMs: number, unit: string, name: string, fmt: (v: number | null) => string, color?: number, scale?: boolean }} o
 */
export function timeChartBase(o) {
  return {
    grid: { left: 56, right: 16, top: 36, bottom: 48 },
    xAxis: timeAxis(x(o.fromMs), x(o.toMs)),
    yAxis: { type: /** @type {const} */ ('value'), name: o.unit, scale: o.scale ?? false },
    dataZoom: timeZoom(),
    tooltip: {
      trigger: /** @type {const} */ ('axis'),
      formatter: (/** @type {any} */ ps) =>
        tooltipHtml(xTime(ps[0]?.value?.[0] ?? 0), [
          [o.color ?? 0, o.name, o.fmt(ps[0]?.value?.[1] ?? null)],
        ]),
    },
  };
}

/** A chart that is drawn once and then updated in place (a page refreshing its figures). */
export class ChartSlot {
  /** @param {HTMLElement} el @param {MountOptions} o */
  constructor(el, o) {
    this.el = el;
    this.o = o;
    /** @type {Chart | null} */
    this.chart = null;
  }

  /** @param {Option} option */
  async set(option) {
    if (!this.chart) this.chart = await mountChart(this.el, option, this.o);
    else this.chart.setOption(option, { replaceMerge: ['series', 'xAxis', 'yAxis'] });
    return this.chart;
  }
}
