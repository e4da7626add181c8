// @ts-check
/**
 * The assessment page's read-only panels: revision history (who changed what, when), progress against the
 * previous assessment per dimension, and the Article 13 tiers per asset from the latest computation.
 */
import { h, table } from '../dom.js';
import { formatNumber, formatTime } from '../format.js';
import { getLang, t } from '../i18n.js';
import { tr } from './assess-create.js';
import { emptyNote } from './common.js';

/** @param {any} v an answer value */
const short = (v) =>
  v === null
    ? '—'
    : v.score !== undefined
      ? String(v.score)
      : v.level !== undefined
        ? `L${v.level}`
        : v.choice !== undefined
          ? v.choice
          : `[${(v.selected ?? []).join(',')}]`;

/** @param {any[]} history GET …/history */
export function historyTable(history) {
  const changes = (/** @type {any} */ r) => {
    const parts = [];
    if (r.changes.status)
      parts.push(
        t('assess.history.status', {
          before: t(`assess.status.${r.changes.status.before}`),
          after: t(`assess.status.${r.changes.status.after}`),
        }),
      );
    const a = r.changes.answers;
    if (a.length > 0) {
      const list = a
        .slice(0, 6)
        .map((/** @type {any} */ c) =>
          c.fields.includes('value')
            ? `${c.itemId} ${short(c.before)}→${short(c.after)}`
            : `${c.itemId} (${c.fields.join(', ')})`,
        )
        .join('；');
      parts.push(t('assess.history.items', { n: a.length, list: a.length > 6 ? `${list} …` : list }));
    }
    return parts.join(' · ') || '—';
  };
  return table(
    null,
    [
      { label: t('assess.history.rev'), class: 'num', cell: (/** @type {any} */ r) => String(r.revision) },
      { label: t('assess.history.at'), cell: (/** @type {any} */ r) => formatTime(r.savedAtMs) },
      { label: t('assess.history.by'), cell: (/** @type {any} */ r) => r.savedBy ?? '—' },
      {
        label: t('assess.history.action'),
        cell: (/** @type {any} */ r) => (r.action ? t(`assess.action.${r.action}`) : '—'),
      },
      { label: t('assess.history.changes'), cell: changes },
    ],
    [...history].reverse(),
    { id: 'assess-history' },
  );
}

/** @param {any} p GET …/progress */
export function progressTable(p) {
  if (!p.current) return emptyNote(t('assess.progress.notComputed'));
  if (!p.previous) return emptyNote(t('assess.progress.none'));
  const n = (/** @type {number | null} */ v) => (v === null ? '—' : formatNumber(v, getLang(), 2));
  const delta = (/** @type {number | null} */ v) =>
    v === null ? '—' : `${v > 0 ? '+' : ''}${formatNumber(v, getLang(), 2)}`;
  return table(
    null,
    [
      { label: t('assess.progress.dimension'), cell: (/** @type {any} */ d) => d.label ?? tr(d.name) },
      {
        label: t('assess.progress.previous'),
        class: 'num',
        cell: (/** @type {any} */ d) => d.prevText ?? n(d.previous),
      },
      {
        label: t('assess.progress.current'),
        class: 'num',
        cell: (/** @type {any} */ d) => d.curText ?? n(d.current),
      },
      {
        label: t('assess.progress.delta'),
        class: 'num',
        cell: (/** @type {any} */ d) => d.deltaText ?? delta(d.delta),
      },
    ],
    [
      {
        label: t('assess.progress.total'),
        prevText: `${n(p.previous.totalScore)} / L${p.previous.level ?? '—'}`,
        curText: `${n(p.current.totalScore)} / L${p.current.level ?? '—'}`,
        deltaText: delta(p.current.totalScore - p.previous.totalScore),
      },
      ...p.domains,
    ],
    { id: 'assess-progress' },
  );
}

/** @param {any | null} report the latest report JSON (null before the first computation) */
export function tiersTable(report) {
  if (!report) return emptyNote(t('assess.tiers.notComputed'));
  const mark = (/** @type {boolean | null} */ p) => (p === null ? '○' : p ? '✓' : '✗');
  return table(
    null,
    [
      {
        label: t('assess.tiers.asset'),
        cell: (/** @type {any} */ x) =>
          `${x.name || x.assetPath || '—'}${x.deviceId ? ` (${x.deviceId})` : ''}`,
      },
      { label: t('assess.tiers.level'), cell: (/** @type {any} */ x) => t(`level.${x.level}`) },
      {
        label: t('assess.tiers.tier'),
        cell: (/** @type {any} */ x) => (x.tierName ? tr(x.tierName) : t('assess.tiers.none')),
      },
      {
        label: t('assess.tiers.conditions'),
        cell: (/** @type {any} */ x) =>
          h(
            'ul',
            { class: 'tier-conditions' },
            x.conditions.map((/** @type {any} */ c) =>
              h(
                'li',
                {},
                `${mark(c.passed)} ${tr(c.label)}: ${c.value === null ? '—' : formatNumber(c.value, getLang(), 3)} / ${formatNumber(c.min, getLang(), 2)}`,
              ),
            ),
          ),
      },
    ],
    report.tiers,
    { id: 'assess-tiers' },
  );
}
