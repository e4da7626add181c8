/**
 * Time-series chart: device + metric + range + interval + aggregate, kept in the URL (bookmarkable).
 * Gauges draw as a line of the aggregate per interval; counters (kWh, m³, pieces) as consumption per
 * interval (the API's counter increase, with resets and rollovers handled and gaps shown as gaps).
 */
import { apiGet, factoryPath } from '../api.js';
import { barChartSvg, lineChartSvg } from '../chart.js';
import { h, svgNode, table } from '../dom.js';
import { displayUnit, formatTime, formatValue, parseDuration } from '../format.js';
import { label, t } from '../i18n.js';
import { deviceLabel, emptyNote, pageHeader, updatedNote } from './common.js';

export const RANGES = ['1h', '6h', '24h', '7d', '30d'];
export const INTERVALS = ['1m', '5m', '15m', '1h', '6h', '1d'];
const AGGREGATES = ['mean', 'min', 'max', 'first', 'last', 'sum', 'count'];
const AUTO_MAX_BUCKETS = 200;
const MAX_BUCKETS = 2000;
const TABLE_ROWS = 500;

/** The finest listed interval giving at most 200 buckets over the range. */
export function autoInterval(rangeMs) {
  return INTERVALS.find((i) => rangeMs / parseDuration(i) <= AUTO_MAX_BUCKETS) ?? '1d';
}

const chartable = (m) => m.kind !== 'text' && m.datatype !== 'string';
function preferredMetric(list) {
  return list.find((m) => m.quantity === 'activePower') ?? list.find((m) => m.kind === 'gauge') ?? list[0];
}

function choices(ctx, devices, metrics) {
  const byDevice = new Map();
  for (const m of metrics.filter(chartable))
    byDevice.set(m.deviceId, [...(byDevice.get(m.deviceId) ?? []), m]);
  const usable = devices.filter((d) => byDevice.has(d.id));
  let deviceId = ctx.query.device;
  if (!byDevice.has(deviceId)) {
    deviceId = (usable.find((d) => byDevice.get(d.id).some((m) => m.quantity === 'activePower')) ?? usable[0])
      ?.id;
  }
  const list = byDevice.get(deviceId) ?? [];
  const metric = list.find((m) => m.key === ctx.query.metric) ?? preferredMetric(list);
  const range = RANGES.includes(ctx.query.range) ? ctx.query.range : '24h';
  const interval = INTERVALS.includes(ctx.query.interval) ? ctx.query.interval : 'auto';
  const agg = AGGREGATES.includes(ctx.query.agg) ? ctx.query.agg : 'mean';
  return { byDevice, usable, deviceId, metric, range, interval, agg };
}

function selectField(id, text, options, value, attrs = {}) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, text),
    h(
      'select',
      { id, name: id, ...attrs },
      options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)),
    ),
  );
}

function controls(ctx, c) {
  const metricOptions = (deviceId) =>
    (c.byDevice.get(deviceId) ?? []).map((m) => [m.key, `${label('quantity', m.quantity)} · ${m.key}`]);
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
      [['auto', t('chart.auto')], ...INTERVALS.map((i) => [i, i])],
      c.interval,
    ),
    selectField(
      'chart-agg',
      t('chart.aggregate'),
      AGGREGATES.map((a) => [a, t(`agg.${a}`)]),
      c.agg,
      {
        disabled: c.metric?.kind === 'counter',
      },
    ),
    h('div', { class: 'field field-submit' }, h('button', { type: 'submit' }, t('chart.show'))),
  );
  const deviceSelect = form.querySelector('#chart-device');
  const metricSelect = form.querySelector('#chart-metric');
  const aggSelect = form.querySelector('#chart-agg');
  const isCounter = (deviceId, key) =>
    (c.byDevice.get(deviceId) ?? []).find((m) => m.key === key)?.kind === 'counter';
  metricSelect.addEventListener('change', () => {
    aggSelect.disabled = isCounter(deviceSelect.value, metricSelect.value);
  });
  deviceSelect.addEventListener('change', () => {
    metricSelect.replaceChildren(
      ...metricOptions(deviceSelect.value).map(([v, l]) => h('option', { value: v }, l)),
    );
    const m = preferredMetric(c.byDevice.get(deviceSelect.value) ?? []);
    if (m) metricSelect.value = m.key;
    aggSelect.disabled = isCounter(deviceSelect.value, metricSelect.value);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({
      device: deviceSelect.value,
      metric: metricSelect.value,
      range: form.querySelector('#chart-range').value,
      interval: form.querySelector('#chart-interval').value,
      agg: aggSelect.value,
    });
    location.hash = `#/chart/${encodeURIComponent(ctx.factoryId)}?${q}`;
  });
  return form;
}

async function fetchSeries(ctx, c, fromMs, toMs, interval) {
  const series = `${c.deviceId}:${c.metric.key}`;
  const params = { series, from: fromMs, to: toMs, interval };
  if (c.metric.kind === 'counter') {
    const res = await apiGet(factoryPath(ctx.factoryId, '/timeseries/increase'), params);
    return (res.series[0]?.intervals ?? []).map((i) => ({
      startMs: i.startMs,
      endMs: i.endMs,
      v: i.increase,
    }));
  }
  const res = await apiGet(factoryPath(ctx.factoryId, '/timeseries'), { ...params, aggregate: c.agg });
  const step = parseDuration(interval);
  return (res.series[0]?.buckets ?? []).map((b) => ({ startMs: b.tsMs, endMs: b.tsMs + step, v: b.value }));
}

/** The unit of the plotted numbers: a count of points has none. */
const unitOf = (c) => (c.metric.kind !== 'counter' && c.agg === 'count' ? '' : c.metric.unit);

function summary(c, rows, lang) {
  const vals = rows.map((r) => r.v).filter((v) => v !== null);
  const gaps = rows.length - vals.length;
  if (!vals.length) return '';
  const fmt = (v) => formatValue(v, unitOf(c), lang);
  if (c.metric.kind === 'counter') {
    const total = vals.reduce((a, b) => a + b, 0);
    return `${t('chart.total', { v: fmt(total) })}${gaps ? ` · ${t('chart.gaps', { n: gaps })}` : ''}`;
  }
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  return t('chart.stats', { min: fmt(Math.min(...vals)), mean: fmt(mean), max: fmt(Math.max(...vals)) });
}

export const chartPage = {
  async render(ctx) {
    const [devices, metrics] = await Promise.all([
      apiGet(factoryPath(ctx.factoryId, '/devices')),
      apiGet(factoryPath(ctx.factoryId, '/metrics')),
    ]);
    const c = choices(ctx, devices, metrics);
    ctx.view.append(pageHeader(t('chart.title'), t('app.tz')));
    if (!c.usable.length || !c.metric) {
      ctx.view.append(emptyNote(c.usable.length ? t('chart.noMetrics') : t('chart.noDevices')));
      return;
    }
    ctx.view.append(controls(ctx, c));
    const rangeMs = parseDuration(c.range);
    const interval = c.interval === 'auto' ? autoInterval(rangeMs) : c.interval;
    const buckets = Math.ceil(rangeMs / parseDuration(interval));
    if (buckets > MAX_BUCKETS) {
      ctx.view.append(emptyNote(t('chart.tooMany', { n: buckets, max: MAX_BUCKETS })));
      return;
    }
    const toMs = Math.ceil(Date.now() / 60_000) * 60_000;
    const fromMs = toMs - rangeMs;
    const rows = await fetchSeries(ctx, c, fromMs, toMs, interval);
    const counter = c.metric.kind === 'counter';
    const quantity = label('quantity', c.metric.quantity);
    const unit = displayUnit(unitOf(c));
    const device = devices.find((d) => d.id === c.deviceId);
    const title = `${deviceLabel(device)} · ${quantity}${counter ? ` · ${t('chart.consumption')}` : ''}`;
    const figure = h('figure', {
      class: 'chart-figure',
      id: 'chart',
      'data-kind': counter ? 'bars' : 'line',
    });
    figure.append(
      h(
        'figcaption',
        {},
        h('strong', {}, title),
        ` · ${interval} · ${counter ? t('chart.consumption') : t(`agg.${c.agg}`)}`,
      ),
    );
    if (!rows.some((r) => r.v !== null)) {
      figure.append(emptyNote(t('chart.noData')));
    } else {
      const o = {
        idPrefix: 'chart-main',
        title,
        desc: t('chart.aria', { metric: quantity, from: formatTime(fromMs), to: formatTime(toMs) }),
        unitLabel: unit,
        lang: ctx.lang,
        fromMs,
        toMs,
        gapLabel: t('chart.gap'),
      };
      const markup = counter
        ? barChartSvg({ ...o, bars: rows })
        : lineChartSvg({ ...o, points: rows.map((r) => ({ t: (r.startMs + r.endMs) / 2, v: r.v })) });
      figure.append(
        svgNode(markup),
        h('p', { class: 'chart-summary', id: 'chart-summary' }, summary(c, rows, ctx.lang)),
      );
    }
    if (counter) figure.append(h('p', { class: 'help' }, t('chart.counterNote')));
    const shown = rows.slice(0, TABLE_ROWS);
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
            { label: t('chart.intervalStart'), cell: (r) => formatTime(r.startMs, { seconds: false }) },
            {
              label: counter ? t('chart.consumption') : t(`agg.${c.agg}`),
              class: 'num',
              cell: (r) => (r.v === null ? t('chart.gap') : formatValue(r.v, unitOf(c), ctx.lang)),
            },
          ],
          shown,
        ),
      ),
    );
    ctx.view.append(figure, updatedNote());
  },
};
