// @ts-check
/**
 * 告警与事件 Alarms: the factory's active alarms (live over Server-Sent Events, see alarm-feed.js) with
 * severity, start, value against its threshold and acknowledgement, and the history of the last days. The
 * same list is shown on the energy overview. Acknowledging needs a token that may write (admin, factory).
 */
import { apiCall, apiGet, factoryPath } from '../api.js';
import { h, table } from '../dom.js';
import { formatDuration, formatNumber, formatTime } from '../format.js';
import { t } from '../i18n.js';
import { emptyNote, pageHeader, section, updatedNote } from './common.js';

const DAY_MS = 86_400_000;
const SHAPES = { critical: '⬣', major: '▲', warning: '◆', info: '●' };

/** @param {string} severity */
export function severityBadge(severity) {
  return h(
    'span',
    { class: ['badge', `badge-sev-${severity}`], 'data-severity': severity },
    h('span', { 'aria-hidden': 'true' }, SHAPES[/** @type {keyof SHAPES} */ (severity)] ?? '●'),
    ' ',
    t(`alarm.severity.${severity}`),
  );
}

/** The alarm in words, from its kind, variant and figures. @param {any} a @param {string} lang */
export function alarmText(a, lang) {
  /** @type {Record<string, string>} */
  const p = {};
  for (const [k, v] of Object.entries(a.params ?? {}))
    p[k] =
      typeof v === 'number'
        ? k === 'durationMs'
          ? formatDuration(v, lang)
          : k.endsWith('Ms')
            ? formatTime(v, { seconds: false })
            : k === 'share'
              ? `${formatNumber(v * 100, lang, 0)}%`
              : formatNumber(v, lang)
        : String(v ?? '—');
  const variant = a.params?.variant;
  const key = variant ? `alarm.${a.kind}.${variant}` : `alarm.${a.kind}`;
  const text = t(key, p);
  return text === key ? a.summary : text;
}

/**
 * @param {any[]} alarms
 * @param {{ lang: string, canAck: boolean, onAck?: (a: any) => void, history?: boolean, compact?: boolean }} o
 */
export function alarmTable(alarms, o) {
  return table(
    null,
    [
      { label: t('alarm.col.severity'), cell: (/** @type {any} */ a) => severityBadge(a.severity) },
      {
        label: t('alarm.col.what'),
        cell: (/** @type {any} */ a) => h('span', { class: 'alarm-text' }, alarmText(a, o.lang)),
      },
      o.compact
        ? {
            // The overview's half-width panel: start (time only when today) and duration in one cell.
            label: t('alarm.col.start'),
            cell: (/** @type {any} */ a) => {
              const start = formatTime(a.startMs, { seconds: false });
              const today = start.slice(0, 10) === formatTime(Date.now()).slice(0, 10);
              return h(
                'span',
                { class: 'alarm-when' },
                today ? start.slice(11) : start.slice(5),
                h('br', {}),
                h('span', { class: 'muted' }, formatDuration(Date.now() - a.startMs, o.lang)),
              );
            },
          }
        : {
            label: t('alarm.col.start'),
            cell: (/** @type {any} */ a) => formatTime(a.startMs, { seconds: false }),
          },
      o.compact
        ? null
        : o.history
          ? {
              label: t('alarm.col.end'),
              cell: (/** @type {any} */ a) =>
                a.endMs === null
                  ? t('alarm.active')
                  : `${formatTime(a.endMs, { seconds: false })}（${formatDuration(a.endMs - a.startMs, o.lang)}）`,
            }
          : {
              label: t('alarm.col.duration'),
              cell: (/** @type {any} */ a) => formatDuration(Date.now() - a.startMs, o.lang),
            },
      {
        label: t('alarm.col.ack'),
        cell: (/** @type {any} */ a) =>
          a.ackAtMs !== null
            ? h('span', { class: 'muted' }, `${a.ackBy} ${formatTime(a.ackAtMs, { seconds: false })}`)
            : o.canAck && a.endMs === null
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'small-button ack-button',
                    'data-alarm-id': a.id,
                    onclick: () => o.onAck?.(a),
                  },
                  t('alarm.ack'),
                )
              : '—',
      },
    ].filter((c) => c !== null),
    alarms,
    { class: o.compact ? 'alarm-table alarm-table-compact' : 'alarm-table', 'data-count': alarms.length },
  );
}

/** @param {any} ctx */
export const canWrite = (ctx) => ctx.session?.role === 'admin' || ctx.session?.role === 'factory';

/** @param {any} ctx @param {any} alarm */
export async function acknowledge(ctx, alarm) {
  await apiCall('POST', factoryPath(ctx.factoryId, `/alarms/${alarm.id}/ack`), {});
}

export const alarmsPage = {
  /** @param {any} ctx */
  async render(ctx) {
    const toMs = Date.now();
    const [now, hist] = await Promise.all([
      apiGet(factoryPath(ctx.factoryId, '/alarms')),
      apiGet(factoryPath(ctx.factoryId, '/alarms/history'), {
        from: toMs - 7 * DAY_MS,
        to: toMs,
        limit: 500,
      }),
    ]);
    if (!ctx.isCurrent()) return;
    const activeBox = h('div', { id: 'alarms-active' });
    const status = h('p', { class: 'muted', id: 'alarms-status' });
    const draw = (/** @type {any[]} */ active, /** @type {any} */ st) => {
      activeBox.replaceChildren(
        active.length
          ? alarmTable(active, {
              lang: ctx.lang,
              canAck: canWrite(ctx),
              onAck: (a) => acknowledge(ctx, a).then(() => ctx.rerender()),
            })
          : emptyNote(t('alarm.none')),
      );
      if (st)
        status.textContent = t('alarm.status', {
          n: st.evaluations,
          s: st.intervalS,
          at: formatTime(st.lastStartedMs, { seconds: true }),
        });
    };
    draw(now.active, now.status);
    ctx.view.append(
      pageHeader(t('alarm.title'), t('alarm.intro')),
      section(t('alarm.activeTitle'), status, activeBox),
      section(
        t('alarm.historyTitle'),
        hist.alarms.length
          ? alarmTable(hist.alarms, { lang: ctx.lang, canAck: false, history: true })
          : emptyNote(t('alarm.noHistory')),
      ),
      updatedNote(),
    );
    const feed = ctx.alarmFeed?.();
    if (feed) {
      const off = feed.subscribe((/** @type {any} */ s) => {
        if (s.lastEvent) draw(s.active, s.status);
      });
      ctx.onCleanup(off);
    }
  },
};
