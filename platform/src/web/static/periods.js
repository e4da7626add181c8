// @ts-check
/**
 * Periods follow the data: every default period of the console (diagnosis, assessment, OEE history, charts,
 * energy flow) is clipped to the stored extent of the factory's data (GET …/data-extent) and says so; a period
 * the user picks that reaches beyond the data shows how much of it is covered before anything runs.
 */
import { apiGet, factoryPath } from './api.js';
import { h } from './dom.js';
import { formatPercent, formatTime, localParts, UTC_OFFSET_MIN } from './format.js';
import { t } from './i18n.js';

export const DAY_MS = 86_400_000;
const OFFSET_MS = UTC_OFFSET_MIN * 60_000;
/** @typedef {{ firstMs: number | null, lastMs: number | null }} Extent */

/** @type {Map<string, { atMs: number, value: Promise<any> }>} */
const cache = new Map();
/** The factory's data extent, kept for a minute. @param {string} factoryId */
export function dataExtent(factoryId) {
  const hit = cache.get(factoryId);
  if (hit && Date.now() - hit.atMs < 60_000) return hit.value;
  const value = apiGet(factoryPath(factoryId, '/data-extent')).catch(() => null);
  cache.set(factoryId, { atMs: Date.now(), value });
  return value;
}

/** Local midnight (UTC+8) of the day containing ms. @param {number} ms */
export const localDayStart = (ms) => Math.floor((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
/** `YYYY-MM-DD` (UTC+8) of ms. @param {number} ms */
export function localDate(ms) {
  const p = localParts(ms);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}
/** Local midnight of a `YYYY-MM-DD`. @param {string} d */
export const dateMs = (d) => Date.parse(`${d}T00:00:00+08:00`);

/**
 * The default period `days` long ending at the data's end (or now), clipped to the data's start.
 * @param {Extent | null} extent
 * @param {number} days
 * @param {{ nowMs?: number, wholeDays?: boolean }} [o]
 */
export function defaultPeriod(extent, days, o = {}) {
  const now = o.nowMs ?? Date.now();
  const end = Math.min(now, extent?.lastMs != null ? extent.lastMs + 1 : now);
  const toMs = o.wholeDays ? localDayStart(end) + DAY_MS : end;
  const wanted = toMs - days * DAY_MS;
  const first = extent?.firstMs ?? null;
  const fromMs = first !== null && first > wanted ? (o.wholeDays ? localDayStart(first) : first) : wanted;
  return { fromMs, toMs, clipped: fromMs > wanted, wantedFromMs: wanted, days };
}

/** Share of [fromMs, toMs) inside the data's extent. @param {Extent | null} extent @param {number} fromMs @param {number} toMs */
export function coveredShare(extent, fromMs, toMs) {
  if (!extent || extent.firstMs == null || extent.lastMs == null || toMs <= fromMs) return 0;
  const a = Math.max(fromMs, extent.firstMs);
  const b = Math.min(toMs, extent.lastMs);
  return b > a ? (b - a) / (toMs - fromMs) : 0;
}

/** "Data from … to …" line. @param {Extent | null} extent */
export function extentText(extent) {
  if (!extent || extent.firstMs == null) return t('period.noData');
  return t('period.extent', {
    from: formatTime(extent.firstMs, { seconds: false }),
    to: formatTime(extent.lastMs, { seconds: false }),
  });
}

/**
 * The note under a period: where the data is, and whether the default was clipped to it.
 * @param {Extent | null} extent
 * @param {{ clipped: boolean, days: number }} p
 */
export function clippedNote(extent, p) {
  return h(
    'p',
    { class: p.clipped ? 'notice period-note' : 'muted period-note', 'data-clipped': String(p.clipped) },
    extentText(extent),
    p.clipped ? ` ${t('period.clipped', { days: p.days })}` : '',
  );
}

/**
 * What a chosen period covers, before a run: null when fully inside the data.
 * @param {Extent | null} extent
 * @param {number} fromMs
 * @param {number} toMs
 * @param {string} lang
 */
export function coverageWarning(extent, fromMs, toMs, lang) {
  const share = coveredShare(extent, fromMs, toMs);
  if (share >= 0.999) return null;
  return h(
    'p',
    { class: 'notice period-warning', role: 'status', 'data-share': String(share) },
    t('period.beyond', { pct: formatPercent(share, lang) }),
    ' ',
    extentText(extent),
  );
}

/**
 * Whole local days for a report (diagnosis): `days` ending with the last whole day of data (yesterday while data
 * flows), starting no earlier than the first whole day of data.
 * @param {Extent | null} extent
 * @param {number} days
 * @param {number} nowMs
 */
export function wholeDaysPeriod(extent, days, nowMs) {
  const today = localDayStart(nowMs);
  const last = extent?.lastMs ?? null;
  // The last whole day: yesterday, or the day before the data stopped.
  const end = last === null ? today : Math.min(today, localDayStart(last + 1));
  const first = extent?.firstMs ?? null;
  const firstWhole =
    first === null ? null : localDayStart(first) === first ? first : localDayStart(first) + DAY_MS;
  const wanted = end - days * DAY_MS;
  const start = firstWhole !== null && firstWhole > wanted ? Math.min(firstWhole, end - DAY_MS) : wanted;
  return {
    from: localDate(start),
    to: localDate(end - DAY_MS),
    fromMs: start,
    toMs: end,
    clipped: start > wanted || end < today,
    days,
  };
}
