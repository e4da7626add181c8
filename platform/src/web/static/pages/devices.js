/**
 * Devices: the list with online state and last seen (filterable), and one device's page with its metric
 * table, latest values and online history (a 7-day timeline strip plus the transitions).
 */
import { apiGet, factoryPath } from '../api.js';
import { h, svgNode, table } from '../dom.js';
import { displayUnit, formatDuration, formatPercent, formatTime, formatValue } from '../format.js';
import { label, t } from '../i18n.js';
import { onlineSegments, onlineShare, timelineSvg } from '../timeline.js';
import { deviceLabel, emptyNote, onlineBadge, pageHeader, section, updatedNote } from './common.js';
import { latestTable } from './latest.js';

const HISTORY_MS = 7 * 86_400_000;
const devHref = (f, d) => `#/devices/${encodeURIComponent(f)}/${encodeURIComponent(d)}`;

export const devicesPage = {
  async render(ctx) {
    const filter = ['true', 'false'].includes(ctx.query.online) ? ctx.query.online : '';
    const devices = await apiGet(factoryPath(ctx.factoryId, '/devices'), filter ? { online: filter } : null);
    const select = h(
      'select',
      {
        id: 'online-filter',
        onchange: (e) => {
          const v = e.target.value;
          location.hash = `#/devices/${encodeURIComponent(ctx.factoryId)}${v ? `?online=${v}` : ''}`;
        },
      },
      h('option', { value: '', selected: filter === '' }, t('devices.all')),
      h('option', { value: 'true', selected: filter === 'true' }, t('state.online')),
      h('option', { value: 'false', selected: filter === 'false' }, t('state.offline')),
    );
    const now = Date.now();
    ctx.view.append(
      pageHeader(
        t('devices.title'),
        t('devices.count', { n: devices.length }),
        h('label', { for: 'online-filter' }, t('devices.filter')),
        select,
      ),
    );
    if (!devices.length) {
      ctx.view.append(emptyNote(t('devices.empty')));
      return;
    }
    ctx.view.append(
      table(
        null,
        [
          {
            label: t('col.device'),
            cell: (d) => h('a', { href: devHref(ctx.factoryId, d.id) }, deviceLabel(d)),
          },
          { label: t('col.kind'), cell: (d) => label('kind', d.kind) },
          { label: t('col.asset'), cell: (d) => d.assetPath || '—' },
          { label: t('col.medium'), cell: (d) => (d.medium ? label('medium', d.medium) : '—') },
          { label: t('col.state'), cell: (d) => onlineBadge(d.online) },
          {
            label: t('col.since'),
            cell: (d) =>
              d.onlineSinceMs
                ? `${formatTime(d.onlineSinceMs)}（${formatDuration(now - d.onlineSinceMs, ctx.lang)}）`
                : '—',
          },
          { label: t('col.lastSeen'), cell: (d) => formatTime(d.lastSeenMs) },
        ],
        devices,
        { id: 'device-table' },
      ),
      updatedNote(now),
    );
  },
};

function facts(d, lang) {
  const rows = [
    [t('col.id'), d.id],
    [t('col.kind'), label('kind', d.kind)],
    [t('col.asset'), d.assetPath || '—'],
    [t('devices.agent'), d.agentId],
    [t('col.state'), onlineBadge(d.online)],
    [t('col.since'), formatTime(d.onlineSinceMs)],
    [t('col.lastSeen'), formatTime(d.lastSeenMs)],
  ];
  if (d.medium) rows.push([t('col.medium'), label('medium', d.medium)]);
  if (d.meterRole) rows.push([t('col.role'), label('meterRole', d.meterRole)]);
  if (d.parentMeter) rows.push([t('col.parent'), d.parentMeter]);
  if (d.ratedPowerKw) rows.push([t('devices.rated'), formatValue(d.ratedPowerKw, 'kW', lang)]);
  return h(
    'dl',
    { class: 'facts' },
    rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

export const devicePage = {
  async render(ctx) {
    const { factoryId, deviceId } = ctx.params;
    const now = Date.now();
    const from = now - HISTORY_MS;
    const [d, metrics, latest, history] = await Promise.all([
      apiGet(factoryPath(factoryId, `/devices/${encodeURIComponent(deviceId)}`)),
      apiGet(factoryPath(factoryId, '/metrics'), { deviceId }),
      apiGet(factoryPath(factoryId, '/latest'), { deviceId }),
      apiGet(factoryPath(factoryId, `/devices/${encodeURIComponent(deviceId)}/online-history`), {
        from,
        to: now,
      }),
    ]);
    const segments = onlineSegments(history, {
      fromMs: from,
      toMs: now,
      firstSeenMs: d.firstSeenMs,
      onlineNow: d.online,
    });
    const share = onlineShare(segments);
    const strip = svgNode(
      timelineSvg(segments, {
        fromMs: from,
        toMs: now,
        title: `${t('devices.timeline')}: ${t('devices.onlineShare', { pct: formatPercent(share, ctx.lang) })}`,
        onlineLabel: t('state.online'),
        offlineLabel: t('state.offline'),
      }),
    );
    ctx.view.append(
      pageHeader(
        deviceLabel(d),
        null,
        h('a', { href: `#/devices/${encodeURIComponent(factoryId)}` }, t('devices.back')),
      ),
      section(t('devices.title'), facts(d, ctx.lang)),
      section(t('devices.latest'), latestTable(ctx, metrics, latest, d)),
      section(
        t('devices.metrics'),
        table(
          null,
          [
            { label: t('col.metric'), cell: (m) => m.key },
            { label: t('col.quantity'), cell: (m) => label('quantity', m.quantity) },
            { label: t('col.kind'), cell: (m) => label('metricKind', m.kind) },
            { label: t('col.unit'), cell: (m) => displayUnit(m.unit) || '—' },
            {
              label: t('col.sampling'),
              cell: (m) => (m.samplingIntervalMs ? formatDuration(m.samplingIntervalMs, ctx.lang) : '—'),
            },
          ],
          metrics,
        ),
      ),
      section(
        t('devices.history'),
        h(
          'figure',
          { class: 'timeline-figure' },
          strip,
          h(
            'figcaption',
            {},
            `${formatTime(from, { seconds: false })} – ${formatTime(now, { seconds: false })} · ${t('devices.onlineShare', { pct: formatPercent(share, ctx.lang) })}`,
          ),
        ),
        history.length
          ? table(
              null,
              [
                { label: t('col.time'), cell: (tr) => formatTime(tr.atMs) },
                { label: t('col.state'), cell: (tr) => onlineBadge(tr.online) },
                { label: t('col.reason'), cell: (tr) => tr.reason },
              ],
              [...history].sort((a, b) => b.atMs - a.atMs),
              { id: 'online-history' },
            )
          : emptyNote(t('devices.noHistory')),
      ),
      updatedNote(now),
    );
  },
};
