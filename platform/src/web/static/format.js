/**
 * Numbers with units and times in China Standard Time. Pure functions (no DOM), unit-tested in Node.
 *
 * Times: Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so a fixed offset gives the same
 * wall-clock as the IANA zone and the same answer in every browser, whatever the user's machine is set to.
 */
export const UTC_OFFSET_MIN = 480;
const OFFSET_MS = UTC_OFFSET_MIN * 60_000;

const pad2 = (n) => String(n).padStart(2, '0');

/** Wall-clock parts of an instant at UTC+8. */
export function localParts(ms) {
  const d = new Date(ms + OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** `2024-01-08 08:00:00` (UTC+8); `—` for a missing time. */
export function formatTime(ms, { seconds = true } = {}) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const p = localParts(ms);
  const date = `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
  const time = `${pad2(p.hour)}:${pad2(p.minute)}${seconds ? `:${pad2(p.second)}` : ''}`;
  return `${date} ${time}`;
}

/** Axis labels: `08:15`, or `01-08` at local midnight, or always `01-08` for day steps. */
export function formatTick(ms, stepMs) {
  const p = localParts(ms);
  const date = `${pad2(p.month)}-${pad2(p.day)}`;
  if (stepMs >= 86_400_000 || (p.hour === 0 && p.minute === 0)) return date;
  return `${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** Display form of the protocol's unit strings (UCUM-like: m3, Cel, 1 = dimensionless). */
export function displayUnit(unit) {
  if (!unit || unit === '1') return '';
  if (unit === 'Cel') return '°C';
  return unit.replace(/m3/g, 'm³').replace(/m2/g, 'm²');
}

/** Decimal places that keep about four significant digits without showing noise. */
export function fractionDigits(v) {
  const a = Math.abs(v);
  if (a === 0 || a >= 1000) return 0;
  if (a >= 100) return 1;
  if (a >= 1) return 2;
  return 3;
}

const numberFormats = new Map();
function numberFormat(lang, digits) {
  const key = `${lang}|${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'zh-CN', {
      maximumFractionDigits: digits,
      minimumFractionDigits: 0,
      useGrouping: true,
    });
    numberFormats.set(key, f);
  }
  return f;
}

/** `12,345`, `123.4`, `0.925`; `—` for null/NaN. */
export function formatNumber(v, lang = 'zh-CN', digits) {
  if (v === null || v === undefined || typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return numberFormat(lang, digits ?? fractionDigits(v)).format(v);
}

/** A value with its unit: `1,235 kWh`, `0.93` (power factor), `21.5 °C`. */
export function formatValue(v, unit, lang = 'zh-CN') {
  const n = formatNumber(v, lang);
  const u = displayUnit(unit);
  return n === '—' || !u ? n : `${n} ${u}`;
}

/** `15m`, `1h`, `1d` → ms; null when not a duration. */
export function parseDuration(s) {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(String(s ?? '').trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]];
  const ms = Number(m[1]) * unit;
  return ms > 0 ? ms : null;
}

/** `2 h 5 min` / `2 小时 5 分`. Whole minutes; seconds only below one minute. */
export function formatDuration(ms, lang = 'zh-CN') {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const zh = lang !== 'en';
  if (ms < 60_000) return zh ? `${Math.round(ms / 1000)} 秒` : `${Math.round(ms / 1000)} s`;
  const totalMin = Math.floor(ms / 60_000);
  const d = Math.floor(totalMin / 1440);
  const h = Math.floor((totalMin % 1440) / 60);
  const m = totalMin % 60;
  const parts = zh
    ? [d && `${d} 天`, h && `${h} 小时`, m && `${m} 分`]
    : [d && `${d} d`, h && `${h} h`, m && `${m} min`];
  return parts.filter(Boolean).slice(0, 2).join(' ');
}

/** OPC UA StatusCode severity (bits 31–30): 00 Good, 01 Uncertain, 10/11 Bad. */
export function qualityOf(status) {
  const severity = (Number(status ?? 0) >>> 30) & 0b11;
  if (severity === 0) return 'good';
  if (severity === 1) return 'uncertain';
  return 'bad';
}

/** `0x80340000` style for status codes shown to engineers. */
export function formatStatus(status) {
  return `0x${(Number(status ?? 0) >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** `93.5%` from a 0..1 ratio. */
export function formatPercent(ratio, lang = 'zh-CN') {
  if (!Number.isFinite(ratio)) return '—';
  return `${formatNumber(ratio * 100, lang, 1)}%`;
}

/**
 * One language of a bilingual "中文 English" or "中文 / English" text from the server (tariff and scenario
 * names carry both): the Chinese part in zh-CN, the English part otherwise. The English part starts after
 * whitespace with a Latin letter and holds no CJK character, so "0.6 元/kWh" stays whole. Text without both parts
 * is returned as it is.
 */
export function oneLanguage(text, lang = 'zh-CN') {
  const m =
    /^(.*[\u3000-\u9fff\uff00-\uffef][^A-Za-z\u3000-\u9fff\uff00-\uffef]*?)\s+(?:\/\s+)?([A-Za-z][^\u3000-\u9fff\uff00-\uffef]*)$/u.exec(
      String(text ?? ''),
    );
  if (!m) return String(text ?? '');
  return lang === 'en' ? m[2].trim() : m[1].trim();
}
