/**
 * The console's own chart drawing: a line chart for gauges and a bar chart for counter consumption, as SVG
 * markup strings (pure, no DOM — unit-tested in Node with exact coordinates). Every embedded text is
 * escaped; styling lives in app.css classes, since the CSP allows no inline style.
 */
import { formatNumber, formatTick, UTC_OFFSET_MIN } from './format.js';

export const BOX = { width: 960, height: 320, left: 72, right: 20, top: 28, bottom: 36 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const TIME_STEPS_MS = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

export function esc(s) {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

const r1 = (n) => Math.round(n * 10) / 10;
const clean = (n) => Number(n.toPrecision(12)); // 0.30000000000000004 → 0.3

/** 1, 2 or 5 × 10^k, the smallest not below `raw`. */
export function niceStep(raw) {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const base = 10 ** Math.floor(Math.log10(raw));
  const f = clean(raw / base);
  return clean((f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * base);
}

/** A y scale with round ticks covering [min, max]: `niceScale(0, 97)` → 0..100 step 20. */
export function niceScale(min, max, count = 5) {
  let lo = min;
  let hi = max;
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / count);
  const start = clean(Math.floor(clean(lo / step)) * step);
  const end = clean(Math.ceil(clean(hi / step)) * step);
  const ticks = [];
  for (let i = 0; i <= 100; i++) {
    const v = clean(start + i * step);
    if (v > end) break;
    ticks.push(v);
  }
  return { lo: start, hi: end, step, ticks };
}

/** Time ticks at round local (UTC+8) boundaries, at most `maxTicks`. */
export function timeTicks(fromMs, toMs, maxTicks = 8, offsetMin = UTC_OFFSET_MIN) {
  const span = toMs - fromMs;
  const step = TIME_STEPS_MS.find((s) => span / s <= maxTicks) ?? TIME_STEPS_MS[TIME_STEPS_MS.length - 1];
  const off = offsetMin * MINUTE;
  const ticks = [];
  let t = Math.ceil((fromMs + off) / step) * step - off;
  for (let i = 0; i < 200 && t <= toMs; i++, t += step) ticks.push(t);
  return { step, ticks };
}

/** Scales from data space to the plot box. */
export function scales(fromMs, toMs, lo, hi, box = BOX) {
  const pw = box.width - box.left - box.right;
  const ph = box.height - box.top - box.bottom;
  return {
    x: (t) => r1(box.left + ((t - fromMs) / (toMs - fromMs)) * pw),
    y: (v) => r1(box.top + ph - ((v - lo) / (hi - lo)) * ph),
  };
}

/**
 * SVG path data through the points in time order; a null value lifts the pen, so a gap stays a gap.
 * Points with no drawn neighbour are returned as `isolated` (a path of one point draws nothing).
 */
export function linePath(points, x, y) {
  let d = '';
  const isolated = [];
  let run = [];
  const flush = () => {
    if (run.length === 1) isolated.push(run[0]);
    run = [];
  };
  for (const p of points) {
    if (p.v === null || p.v === undefined || !Number.isFinite(p.v)) {
      flush();
      continue;
    }
    const px = x(p.t);
    const py = y(p.v);
    d += `${run.length === 0 ? 'M' : 'L'}${px},${py}`;
    run.push([px, py]);
  }
  flush();
  return { d, isolated };
}

function frame(o, scale, xTicks, y, x, box) {
  const parts = [];
  const titleId = `${o.idPrefix}-title`;
  const descId = `${o.idPrefix}-desc`;
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${box.width} ${box.height}" role="img" aria-labelledby="${titleId} ${descId}">`,
    `<title id="${titleId}">${esc(o.title ?? '')}</title>`,
    `<desc id="${descId}">${esc(o.desc ?? '')}</desc>`,
    '<g class="grid">',
  );
  for (const v of scale.ticks) {
    parts.push(`<line x1="${box.left}" x2="${box.width - box.right}" y1="${y(v)}" y2="${y(v)}"/>`);
  }
  parts.push('</g><g class="axis axis-y">');
  for (const v of scale.ticks) {
    parts.push(`<text x="${box.left - 8}" y="${y(v) + 4}">${esc(formatNumber(v, o.lang))}</text>`);
  }
  parts.push('</g><g class="axis axis-x">');
  const baseY = box.height - box.bottom;
  parts.push(`<line x1="${box.left}" x2="${box.width - box.right}" y1="${baseY}" y2="${baseY}"/>`);
  for (const t of xTicks.ticks) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${baseY}" y2="${baseY + 5}"/>`,
      `<text x="${x(t)}" y="${baseY + 20}">${esc(formatTick(t, xTicks.step))}</text>`,
    );
  }
  parts.push('</g>');
  if (o.unitLabel) parts.push(`<text class="unit" x="${box.left - 8}" y="16">${esc(o.unitLabel)}</text>`);
  return parts;
}

/**
 * Line chart of `points` ({ t: ms, v: number|null }) over [fromMs, toMs].
 * Options: title, desc (accessible name/description), unitLabel, lang, idPrefix.
 */
export function lineChartSvg(o) {
  const box = o.box ?? BOX;
  const values = o.points.map((p) => p.v).filter((v) => v !== null && Number.isFinite(v));
  const scale = values.length ? niceScale(Math.min(...values), Math.max(...values)) : niceScale(0, 1);
  const { x, y } = scales(o.fromMs, o.toMs, scale.lo, scale.hi, box);
  const parts = frame(o, scale, timeTicks(o.fromMs, o.toMs), y, x, box);
  const { d, isolated } = linePath(o.points, x, y);
  if (d) parts.push(`<path class="line" d="${d}"/>`);
  for (const [cx, cy] of isolated) parts.push(`<circle class="dot" cx="${cx}" cy="${cy}" r="3"/>`);
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Bar chart of consumption per interval (`bars`: { startMs, endMs, v: number|null }). A null interval is
 * drawn as a hatched gap band, never as a zero bar.
 */
export function barChartSvg(o) {
  const box = o.box ?? BOX;
  const values = o.bars.map((b) => b.v).filter((v) => v !== null && Number.isFinite(v));
  const scale = niceScale(Math.min(0, ...values), values.length ? Math.max(0, ...values) : 1);
  const { x, y } = scales(o.fromMs, o.toMs, scale.lo, scale.hi, box);
  const parts = frame(o, scale, timeTicks(o.fromMs, o.toMs), y, x, box);
  const zero = y(0);
  for (const b of o.bars) {
    const x0 = x(Math.max(b.startMs, o.fromMs));
    const w = r1(Math.max(1, x(Math.min(b.endMs, o.toMs)) - x0 - 1));
    if (b.v === null || b.v === undefined || !Number.isFinite(b.v)) {
      const top = box.top;
      const hgt = box.height - box.bottom - box.top;
      parts.push(
        `<rect class="gap" x="${x0}" y="${top}" width="${w}" height="${hgt}"><title>${esc(o.gapLabel ?? 'gap')}</title></rect>`,
      );
      continue;
    }
    const yv = y(b.v);
    parts.push(
      `<rect class="bar" x="${x0}" y="${Math.min(yv, zero)}" width="${w}" height="${r1(Math.abs(zero - yv))}"/>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
