/**
 * A device's online/offline timeline from its transition history (pure; unit-tested). The history holds
 * only changes of state, so the state before the first change in the window is the opposite of that change;
 * with no change in the window the device kept its current state throughout. Time before the device was
 * first seen is unknown and counts as neither.
 */
import { esc } from './charts.js';

/** → [{ startMs, endMs, online }] covering [max(fromMs, firstSeenMs), toMs]. */
export function onlineSegments(transitions, { fromMs, toMs, firstSeenMs, onlineNow }) {
  const start = Math.max(fromMs, firstSeenMs ?? fromMs);
  if (start >= toMs) return [];
  const inWindow = transitions
    .filter((tr) => tr.atMs > start && tr.atMs < toMs)
    .sort((a, b) => a.atMs - b.atMs);
  const segments = [];
  let state = inWindow.length ? !inWindow[0].online : onlineNow;
  let at = start;
  for (const tr of inWindow) {
    if (tr.online === state) continue; // repeated state (e.g. a rebirth): not a change
    segments.push({ startMs: at, endMs: tr.atMs, online: state });
    state = tr.online;
    at = tr.atMs;
  }
  segments.push({ startMs: at, endMs: toMs, online: state });
  return segments.filter((s) => s.endMs > s.startMs);
}

/** Share of the known time spent online (0..1), NaN when nothing is known. */
export function onlineShare(segments) {
  let on = 0;
  let total = 0;
  for (const s of segments) {
    total += s.endMs - s.startMs;
    if (s.online) on += s.endMs - s.startMs;
  }
  return total > 0 ? on / total : Number.NaN;
}

/** A one-row SVG strip: green online, grey offline, blank unknown. */
export function timelineSvg(
  segments,
  { fromMs, toMs, title, onlineLabel, offlineLabel, width = 960, height = 28 },
) {
  const x = (t) => Math.round(((t - fromMs) / (toMs - fromMs)) * width * 10) / 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}">`,
    `<rect class="unknown" x="0" y="0" width="${width}" height="${height}"/>`,
  ];
  for (const s of segments) {
    const w = Math.max(0.5, Math.round((x(s.endMs) - x(s.startMs)) * 10) / 10);
    const cls = s.online ? 'on' : 'off';
    const tip = s.online ? onlineLabel : offlineLabel;
    parts.push(
      `<rect class="${cls}" x="${x(s.startMs)}" y="0" width="${w}" height="${height}"><title>${esc(tip)}</title></rect>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
