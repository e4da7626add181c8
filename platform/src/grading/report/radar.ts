/**
 * Radar chart as a self-contained SVG string (no library, no fonts to load). Axes start at 12 o'clock and go
 * clockwise; values are shares 0..1 of each axis' maximum; rings at 20 % steps. Fewer than three axes cannot
 * span a polygon, so they are drawn as horizontal bars instead.
 */
export type RadarAxis = { label: string; value: number; display?: string };

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** Vertex of axis i of n at radius r around (c, c). */
export function radarPoint(i: number, n: number, r: number, c: number): [number, number] {
  const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
  return [r2(c + r * Math.cos(a)), r2(c + r * Math.sin(a))];
}

export function radarSvg(axes: RadarAxis[], opts: { size?: number; title?: string } = {}): string {
  const size = opts.size ?? 360;
  const title = opts.title ? `<title>${escapeXml(opts.title)}</title>` : '';
  if (axes.length < 3) return barsSvg(axes, size, title);
  const n = axes.length;
  const c = size / 2;
  const r = size * 0.32;
  const clamp = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
  const poly = (k: number) =>
    Array.from({ length: n }, (_, i) => radarPoint(i, n, r * k, c).join(',')).join(' ');
  const rings = [0.2, 0.4, 0.6, 0.8, 1]
    .map(
      (k) =>
        `<polygon points="${poly(k)}" fill="none" stroke="#c8ccd4" stroke-width="${k === 1 ? 1.2 : 0.6}"/>`,
    )
    .join('');
  const spokes = axes
    .map((_, i) => {
      const [x, y] = radarPoint(i, n, r, c);
      return `<line x1="${c}" y1="${c}" x2="${x}" y2="${y}" stroke="#c8ccd4" stroke-width="0.6"/>`;
    })
    .join('');
  const data = axes.map((a, i) => radarPoint(i, n, r * clamp(a.value), c).join(',')).join(' ');
  const labels = axes
    .map((a, i) => {
      const [x, y] = radarPoint(i, n, r + 18, c);
      const anchor = Math.abs(x - c) < 1 ? 'middle' : x > c ? 'start' : 'end';
      const text = a.display ? `${a.label} ${a.display}` : a.label;
      return `<text x="${x}" y="${r2(y + 4)}" text-anchor="${anchor}" font-size="11">${escapeXml(text)}</text>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" role="img">${title}` +
    `${rings}${spokes}<polygon points="${data}" fill="rgba(192,57,43,0.25)" stroke="#c0392b" stroke-width="2"/>${labels}</svg>`
  );
}

function barsSvg(axes: RadarAxis[], size: number, title: string): string {
  const h = 28 * Math.max(1, axes.length) + 10;
  const bars = axes
    .map((a, i) => {
      const w = r2((size - 160) * Math.min(1, Math.max(0, a.value)));
      const y = 10 + 28 * i;
      return (
        `<text x="0" y="${y + 14}" font-size="11">${escapeXml(a.label)}</text>` +
        `<rect x="120" y="${y}" width="${w}" height="18" fill="#c0392b"/>` +
        `<text x="${r2(124 + w)}" y="${y + 14}" font-size="11">${escapeXml(a.display ?? '')}</text>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${h}" width="${size}" height="${h}" role="img">${title}${bars}</svg>`;
}
