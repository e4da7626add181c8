/**
 * Latest values: the newest point of every series, grouped by device, each with its unit (from the metric
 * table of the birth), source time (UTC+8) and OPC UA quality. Machine states show their OPC 40001 names.
 */
import { apiGet, factoryPath } from '../api.js';
import { h, table } from '../dom.js';
import { formatStatus, formatTime, formatValue, qualityOf } from '../format.js';
import { label, t } from '../i18n.js';
import { deviceLabel, emptyNote, pageHeader, qualityBadge, updatedNote } from './common.js';

const ENUMERATED = new Set(['machineState', 'operationMode']);

export function valueText(row, metric, lang) {
  if (row.value === null) return row.text ?? '—';
  if (metric && ENUMERATED.has(metric.quantity)) {
    return `${label(metric.quantity, row.value)} (${row.value})`;
  }
  return formatValue(row.value, metric?.unit ?? '', lang);
}

const chartable = (m) => m && m.kind !== 'text' && m.datatype !== 'string';

/** The latest-values table for one device (also used on the device page). */
export function latestTable(ctx, metrics, rows, device) {
  const byKey = new Map(metrics.map((m) => [`${m.deviceId}:${m.key}`, m]));
  if (!rows.length) return emptyNote(t('latest.empty'));
  const chartHref = (r) =>
    `#/chart/${encodeURIComponent(ctx.factoryId)}?${new URLSearchParams({ device: r.deviceId, metric: r.metric })}`;
  return table(
    null,
    [
      { label: t('col.metric'), cell: (r) => r.metric },
      {
        label: t('col.quantity'),
        cell: (r) => label('quantity', byKey.get(`${r.deviceId}:${r.metric}`)?.quantity ?? 'other'),
      },
      {
        label: t('col.value'),
        class: 'num',
        cell: (r) =>
          h('span', { class: 'value' }, valueText(r, byKey.get(`${r.deviceId}:${r.metric}`), ctx.lang)),
      },
      { label: t('col.time'), cell: (r) => formatTime(r.tsMs) },
      {
        label: t('col.quality'),
        cell: (r) => {
          const q = qualityOf(r.status);
          return h('span', { title: formatStatus(r.status) }, qualityBadge(q));
        },
      },
      {
        label: '',
        cell: (r) =>
          chartable(byKey.get(`${r.deviceId}:${r.metric}`))
            ? h(
                'a',
                { href: chartHref(r), 'aria-label': `${t('latest.chart')}: ${r.metric}` },
                t('latest.chart'),
              )
            : '',
      },
    ],
    [...rows].sort((a, b) => a.metric.localeCompare(b.metric)),
    { class: 'latest', 'data-device-id': device?.id ?? '' },
  );
}

export const latestPage = {
  async render(ctx) {
    const [devices, metrics, latest] = await Promise.all([
      apiGet(factoryPath(ctx.factoryId, '/devices')),
      apiGet(factoryPath(ctx.factoryId, '/metrics')),
      apiGet(factoryPath(ctx.factoryId, '/latest')),
    ]);
    ctx.view.append(pageHeader(t('latest.title'), t('app.tz')));
    if (!latest.length) {
      ctx.view.append(emptyNote(t('latest.empty')));
      return;
    }
    const byDevice = new Map();
    for (const r of latest) byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r]);
    const known = new Map(devices.map((d) => [d.id, d]));
    const ids = [...byDevice.keys()].sort();
    for (const id of ids) {
      const d = known.get(id) ?? { id };
      ctx.view.append(
        h(
          'section',
          { class: 'panel', 'aria-labelledby': `latest-${id}` },
          h('h2', { id: `latest-${id}` }, deviceLabel(d)),
          latestTable(ctx, metrics, byDevice.get(id), d),
        ),
      );
    }
    ctx.view.append(updatedNote());
  },
};
