// @ts-check
/**
 * Time-series chart: device + metric + range (+ interval for tables and counters), kept in the URL. A gauge is
 * published on change, so it is drawn as what it means — a step line holding the last value until the next
 * sample (a gap only after a Bad sample or the staleness limit) — and averaged over time, not over samples; a
 * counter (kWh, m³, pieces) is drawn as consumption per interval (the API's counter increase, resets and
 * rollovers handled, gaps shown as gaps). The default range ends where the stored data ends and is clipped to
 * where it begins.
 */
import { apiGet, factoryPath } from '../api.js';
import { ChartSlot, timeChartBase, x } from '../charts.js';
import { h, table } from '../dom.js';
import { displayUnit, formatTime, formatValue, parseDuration } from '../format.js';
import { label, t } from '../i18n.js';
import { clippedNote, dataExtent } from '../periods.js';
import { fetchStepSeries } from '../series-source.js';
import { gapCount, knownShare, timeWeightedMean } from '../step.js';
import { deviceLabel, emptyNote, pageHeader, updatedNote } from './common.js';

export const RANGES = ['1h', '6h', '24h', '7d', '30d'];
export const INTERVALS = ['1m', '5m', '15m', '1h', '6h', '1d'];
const AUTO_MAX_BUCKETS = 200;
const MAX_BUCKETS = 2000;
const TABLE_ROWS = 500;

/** The finest listed interval giving at most 200 buckets over the range. @param {number} rangeMs */
export function autoInterval(rangeMs) {
  return (
    INTERVALS.find((i) => rangeMs / /** @type {number} */ (parseDuration(i)) <= AUTO_MAX_BUCKETS) ?? '1d'
  );
}

const chartable = (/** @type {any} */ m) => m.kind !== 'text' && m.datatype !== 'string';
const preferredMetric = (/** @type {any[]} */ list) =>
  list.find((m) => m.quantity === 'activePower') ?? list.find((m) => m.kind === 'gauge') ?? list[0];

/** @param {any} ctx @param {any[]} devices @param {any[]} metrics */
function choices(ctx, devices, metrics) {
  /** @type {Map<string, any[]>} */
  const byDevice = new Map();
  const seen = new Set();
  for (const m of metrics.filter(chartable)) {
    const k = `${m.deviceId}:${m.key}`;
    if (seen.has(k)) continue; // declared by two agents
    seen.add(k);
    byDevice.set(m.deviceId, [...(byDevice.get(m.deviceId) ?? []), m]);
  }
  const usable = devices.filter((d) => byDevice.has(d.id));
  let deviceId = ctx.query.device;
  if (!byDevice.has(deviceId))
    deviceId = (
      usable.find((d) => byDevice.get(d.id)?.some((m) => m.quantity === 'activePower')) ?? usable[0]
    )?.id;
  const list = byDevice.get(deviceId) ?? [];
  const metric = list.find((m) => m.key === ctx.query.metric) ?? preferredMetric(list);
  const range = RANGES.includes(ctx.query.range) ? ctx.query.range : '24h';
  const interval = INTERVALS.includes(ctx.query.interval) ? ctx.query.interval : 'auto';
  return { byDevice, usable, deviceId, metric, range, interval };
}

/** @param {string} id @param {string} text @param {[string, string][]} options @param {string} value */
function selectField(id, text, options, value) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, text),
    h(
      'select',
      { id, name: id },
      options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)),
    ),
  );
}

/** @param {any} ctx @param {ReturnType<typeof choices>} c */
function controls(ctx, c) {
  const metricOptions = (/** @type {string} */ deviceId) =>
    (c.byDevice.get(deviceId) ?? []).map(
      (m) => /** @type {[string, string]} */ ([m.key, `${label('quantity', m.quantity)} · ${m.key}`]),
    );
  const form = h(
    'form',
    { class: 'chart-controls', id: 'chart-form' },
    selectField(
      'chart-device',
      t('chart.device'),
      c.usable.map((d) => [d.id, deviceLabel(d)]),
      c.deviceId,
    ),
    selectField('chart-metric', t('chart.metric'), metricOptions(c.deviceId), c.metric?.key),
    selectField(
      'chart-range',
      t('chart.range'),
      RANGES.map((r) => [r, t(`chart.range.${r}`)]),
      c.range,
    ),
    selectField(
      'chart-interval',
      t('chart.interval'),
      [['auto', t('chart.auto')], ...INTERVALS.map((i) => /** @type {[string,string]} */ ([i, i]))],
      c.interval,
    ),
    h('div', { class: 'field field-submit' }, h('button', { type: 'submit' }, t('chart.show'))),
  );
  const q = (/** @type {string} */ s) => /** @type {HTMLSelectElement} */ (form.querySelector(s));
  q('#chart-device').addEventListener('change', () => {
    q('#chart-metric').replaceChildren(
      ...metricOptions(q('#chart-device').value).map(([v, l]) => h('option', { value: v }, l)),
    );
    const m = preferredMetric(c.byDevice.get(q('#chart-device').value) ?? []);
    if (m) q('#chart-metric').value = m.key;
  });
  form.addEventListener('submit', (/** @type {Event} */ e) => {
    e.preventDefault();
    const params = new URLSearchParams({
      device: q('#chart-device').value,
      metric: q('#chart-metric').value,
      range: q('#chart-range').value,
      interval: q('#chart-interval').value,
    });
    location.hash = `#/chart/${encodeURIComponent(ctx.factoryId)}?${params}`;
  });
  return form;
}

/** Consumption per interval of a counter. @param {any} ctx @param {any} c @param {number} fromMs @param {number} toMs @param {string} interval */
async function counterRows(ctx, c, fromMs, toMs, interval) {
  const res = await apiGet(factoryPath(ctx.factoryId, '/timeseries/increase'), {
    series: `${c.deviceId}:${c.metric.key}`,
    from: fromMs,
    to: toMs,
    interval,
  });
  return (res.series[0]?.intervals ?? []).map((/** @type {any} */ i) => ({
    startMs: i.startMs,
    endMs: i.endMs,
    v: i.increase,
  }));
}

/** @param {any} ctx */
async function render(ctx) {
  const [devices, metrics, extent] = await Promise.all([
    apiGet(factoryPath(ctx.factoryId, '/devices')),
    apiGet(factoryPath(ctx.factoryId, '/metrics')),
    dataExtent(ctx.factoryId),
  ]);
  const c = choices(ctx, devices, metrics);
  ctx.view.append(pageHeader(t('chart.title'), t('app.tz')));
  if (!c.usable.length || !c.metric) {
    ctx.view.append(emptyNote(c.usable.length ? t('chart.noMetrics') : t('chart.noDevices')));
    return;
  }
  ctx.view.append(controls(ctx, c));
  const rangeMs = /** @type {number} */ (parseDuration(c.range));
  const interval = c.interval === 'auto' ? autoInterval(rangeMs) : c.interval;
  const step = /** @type {number} */ (parseDuration(interval));
  if (Math.ceil(rangeMs / step) > MAX_BUCKETS) {
    ctx.view.append(emptyNote(t('chart.tooMany', { n: Math.ceil(rangeMs / step), max: MAX_BUCKETS })));
    return;
  }
  // The range ends where the data ends (or now) and is clipped to where it begins.
  const end = Math.min(Date.now(), extent?.lastMs != null ? extent.lastMs + 60_000 : Date.now());
  const toMs = Math.ceil(end / 60_000) * 60_000;
  const wanted = toMs - rangeMs;
  const fromMs =
    extent?.firstMs != null && extent.firstMs > wanted
      ? Math.floor(extent.firstMs / 60_000) * 60_000
      : wanted;
  const counter = c.metric.kind === 'counter';
  const unit = counter ? c.metric.unit : c.metric.unit;
  const device = devices.find((/** @type {any} */ d) => d.id === c.deviceId);
  const title = `${deviceLabel(device)} · ${label('quantity', c.metric.quantity)}${counter ? ` · ${t('chart.consumption')}` : ''}`;
  const figure = h('figure', { class: 'chart-figure', id: 'chart', 'data-kind': counter ? 'bars' : 'step' });
  figure.append(
    h(
      'figcaption',
      {},
      h('strong', {}, title),
      ` · ${counter ? `${interval} · ${t('chart.consumption')}` : t('chart.stepNote')}`,
    ),
  );
  if (fromMs > wanted || toMs < Date.now() - 120_000)
    figure.append(clippedNote(extent, { clipped: fromMs > wanted, days: rangeMs / 86_400_000 }));
  /** @type {{ startMs: number, endMs: number, v: number | null }[]} */
  let rows;
  /** @type {any} */
  let option;
  let summary = '';
  if (counter) {
    rows = await counterRows(ctx, c, fromMs, toMs, interval);
    const vals = rows.map((r) => r.v).filter((v) => v !== null);
    const gaps = rows.length - vals.length;
    summary = vals.length
      ? `${t('chart.total', {
          v: formatValue(
            vals.reduce((a, b) => a + /** @type {number} */ (b), 0),
            unit,
            ctx.lang,
          ),
        })}${gaps ? ` · ${t('chart.gaps', { n: gaps })}` : ''}`
      : '';
    option = {
      ...timeChartBase({
        fromMs,
        toMs,
        unit: displayUnit(unit),
        name: t('chart.consumption'),
        fmt: (v) => formatValue(v, unit, ctx.lang),
        color: 5,
      }),
      series: [
        {
          name: t('chart.consumption'),
          type: 'bar',
          barMaxWidth: 24,
          data: rows.map((r) => [x((r.startMs + r.endMs) / 2), r.v]),
          markArea: {
            silent: true,
            itemStyle: { color: 'rgba(134, 142, 150, 0.18)' },
            data: rows
              .filter((r) => r.v === null)
              .map((r) => [{ xAxis: x(r.startMs) }, { xAxis: x(r.endMs) }]),
          },
        },
      ],
    };
  } else {
    const s = await fetchStepSeries(ctx.factoryId, c.deviceId, c.metric.key, fromMs, toMs);
    const values = s.map((p) => p[1]).filter((v) => v !== null);
    const twa = timeWeightedMean(s, fromMs, toMs);
    Object.assign(figure.dataset, {
      twa: String(twa ?? ''),
      gaps: String(gapCount(s, fromMs, toMs)),
      knownShare: String(knownShare(s, fromMs, toMs)),
    });
    rows = [];
    for (let a = Math.floor(fromMs / step) * step; a < toMs; a += step)
      rows.push({
        startMs: Math.max(a, fromMs),
        endMs: Math.min(a + step, toMs),
        v: timeWeightedMean(s, Math.max(a, fromMs), Math.min(a + step, toMs)),
      });
    const fmt = (/** @type {number | null} */ v) => formatValue(v, unit, ctx.lang);
    summary = values.length
      ? t('chart.stepStats', {
          min: fmt(Math.min(.../** @type {number[]} */ (values))),
          mean: fmt(twa),
          max: fmt(Math.max(.../** @type {number[]} */ (values))),
        })
      : '';
    option = {
      ...timeChartBase({
        fromMs,
        toMs,
        unit: displayUnit(unit),
        name: label('quantity', c.metric.quantity),
        fmt,
        scale: true,
      }),
      series: [
        {
          name: label('quantity', c.metric.quantity),
          type: 'line',
          step: 'end',
          showSymbol: false,
          connectNulls: false,
          data: s.map(([tm, v]) => [x(tm), v]),
        },
      ],
    };
  }
  const box = h('div', {
    id: 'chart-canvas',
    class: 'chart-box chart-tall',
    role: 'img',
    'aria-label': title,
  });
  const has = rows.some((r) => r.v !== null);
  figure.append(
    has ? box : emptyNote(t('chart.noData')),
    h('p', { class: 'chart-summary', id: 'chart-summary' }, summary),
  );
  if (counter) figure.append(h('p', { class: 'help' }, t('chart.counterNote')));
  const colLabel = counter ? t('chart.consumption') : t('chart.twaCol');
  figure.append(
    h(
      'details',
      { class: 'chart-table' },
      h(
        'summary',
        {},
        t('chart.table'),
        rows.length > TABLE_ROWS ? ` (${t('chart.tableCapped', { n: TABLE_ROWS })})` : '',
      ),
      table(
        null,
        [
          {
            label: t('chart.intervalStart'),
            cell: (/** @type {any} */ r) => formatTime(r.startMs, { seconds: false }),
          },
          {
            label: colLabel,
            class: 'num',
            cell: (/** @type {any} */ r) =>
              r.v === null ? t('chart.gap') : formatValue(r.v, unit, ctx.lang),
          },
        ],
        rows.slice(0, TABLE_ROWS),
      ),
    ),
  );
  ctx.view.append(figure, updatedNote());
  if (has)
    await new ChartSlot(box, {
      lang: ctx.lang,
      filename: `${ctx.factoryId}-${c.deviceId}-${c.metric.key}`,
      labels: { png: t('chart.png'), csv: t('chart.csv'), zoom: t('chart.zoom'), reset: t('chart.reset') },
      zoom: true,
      onCleanup: ctx.onCleanup,
      csv: () => ({
        header: ['start', 'end', `${colLabel} (${displayUnit(unit)})`],
        rows: rows.map((r) => [new Date(r.startMs).toISOString(), new Date(r.endMs).toISOString(), r.v]),
      }),
    }).set(option);
}

export const chartPage = { render };
