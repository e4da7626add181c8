/**
 * Factory overview: devices online/offline, the newest data time, the factory's data rate (points stamped
 * in the last 15 minutes, counted by the store) and — for admins — the platform's ingest rate (points
 * stored per second between two refreshes of /ingest/stats). Refreshes every 10 s.
 */
import { API, apiGet, factoryPath } from '../api.js';
import { h, stat, table } from '../dom.js';
import { formatDuration, formatNumber, formatTime } from '../format.js';
import { t } from '../i18n.js';
import { deviceLabel, onlineBadge, pageHeader, section, updatedNote } from './common.js';

const RATE_WINDOW_MS = 15 * 60_000;
const MAX_SERIES = 200; // the API's limit per query
const REFRESH_MS = 10_000;

async function factoryRate(ctx, nowMs) {
  const series = await apiGet(factoryPath(ctx.factoryId, '/series'));
  if (!series.length) return { perMin: 0, capped: false };
  const refs = series.slice(0, MAX_SERIES).map((s) => `${s.deviceId}:${s.metric}`);
  const res = await apiGet(factoryPath(ctx.factoryId, '/timeseries'), {
    series: refs.join(','),
    from: nowMs - RATE_WINDOW_MS,
    to: nowMs,
    interval: '15m',
    aggregate: 'count',
    goodOnly: 'false',
  });
  let points = 0;
  for (const s of res.series) for (const b of s.buckets) points += b.count;
  return { perMin: points / (RATE_WINDOW_MS / 60_000), capped: series.length > MAX_SERIES };
}

function platformRate(stats, previous, nowMs) {
  if (!stats) return null;
  const stored = stats.totals.pointsStored;
  const rate = previous ? ((stored - previous.stored) * 1000) / Math.max(1, nowMs - previous.atMs) : null;
  return { stored, rate };
}

export const overviewPage = {
  async render(ctx) {
    const header = pageHeader(
      `${t('overview.title')} · ${ctx.factory.name || ctx.factoryId}`,
      ctx.factory.name ? ctx.factoryId : null,
    );
    const body = h('div', { class: 'overview' });
    ctx.view.append(header, body);
    let previous = null;

    const load = async () => {
      const nowMs = Date.now();
      const isAdmin = ctx.session.role === 'admin';
      const [devices, agents, rate, stats] = await Promise.all([
        apiGet(factoryPath(ctx.factoryId, '/devices')),
        apiGet(factoryPath(ctx.factoryId, '/agents')),
        factoryRate(ctx, nowMs),
        isAdmin ? apiGet(`${API}/ingest/stats`).catch(() => null) : Promise.resolve(null),
      ]);
      if (!ctx.isCurrent()) return;
      const online = devices.filter((d) => d.online).length;
      const lastSeen = Math.max(0, ...devices.map((d) => d.lastSeenMs ?? 0));
      const platform = platformRate(stats, previous, nowMs);
      if (platform) previous = { stored: platform.stored, atMs: nowMs };

      const cards = h(
        'div',
        { class: 'stats' },
        stat(
          t('overview.devicesOnline'),
          formatNumber(online, ctx.lang),
          t('overview.ofTotal', { n: devices.length }),
          {
            id: 'stat-online',
          },
        ),
        stat(t('overview.devicesOffline'), formatNumber(devices.length - online, ctx.lang), null, {
          id: 'stat-offline',
        }),
        stat(
          t('overview.lastData'),
          lastSeen
            ? t('overview.ago', { d: formatDuration(Math.max(0, nowMs - lastSeen), ctx.lang) })
            : t('overview.never'),
          lastSeen ? formatTime(lastSeen) : null,
          { id: 'stat-last-data' },
        ),
        stat(
          t('overview.dataRate'),
          t('overview.perMin', { n: formatNumber(rate.perMin, ctx.lang) }),
          rate.capped ? t('overview.seriesCapped', { n: MAX_SERIES }) : null,
          { id: 'stat-rate' },
        ),
        platform
          ? stat(
              t('overview.platformRate'),
              platform.rate === null
                ? '—'
                : t('overview.perSec', { n: formatNumber(platform.rate, ctx.lang) }),
              `${t('overview.pointsStored', { n: formatNumber(platform.stored, ctx.lang) })}${
                platform.rate === null ? ` · ${t('overview.rateSampling')}` : ''
              }`,
              { id: 'stat-platform-rate' },
            )
          : null,
      );
      const agentTable = table(
        null,
        [
          { label: t('devices.agent'), cell: (a) => a.agentId },
          { label: t('col.state'), cell: (a) => onlineBadge(a.online) },
          { label: t('overview.version'), cell: (a) => a.version ?? '—' },
          { label: t('overview.host'), cell: (a) => a.hostname ?? '—' },
          { label: t('overview.lastMessage'), cell: (a) => formatTime(a.lastMessageAtMs) },
        ],
        agents,
      );
      const offline = devices.filter((d) => !d.online).slice(0, 50);
      const offlineTable = offline.length
        ? table(
            null,
            [
              {
                label: t('col.device'),
                cell: (d) =>
                  h(
                    'a',
                    { href: `#/devices/${encodeURIComponent(ctx.factoryId)}/${encodeURIComponent(d.id)}` },
                    deviceLabel(d),
                  ),
              },
              { label: t('col.asset'), cell: (d) => d.assetPath || '—' },
              { label: t('col.since'), cell: (d) => formatTime(d.onlineSinceMs) },
              { label: t('col.reason'), cell: (d) => d.onlineReason ?? '—' },
            ],
            offline,
          )
        : h('p', { class: 'empty' }, t('overview.noOffline'));
      body.replaceChildren(
        cards,
        h(
          'div',
          { class: 'columns' },
          section(t('overview.agents'), agentTable),
          section(t('overview.offlineList'), offlineTable),
        ),
        updatedNote(nowMs),
      );
    };
    await load();
    ctx.every(REFRESH_MS, () => load().catch(() => {}));
  },
};
