/**
 * Small pure SVG chart functions for the printable report: no library, no script, text escaped. Each
 * returns one <svg> string sized by viewBox so it scales with the page.
 */
export const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const W = 720;
const H = 260;
const M = { l: 56, r: 16, t: 16, b: 36 };

/** A "nice" step for axis ticks (1, 2, 2.5, 5 × 10ⁿ). */
export function niceStep(range: number, ticks = 5): number {
  if (!(range > 0)) return 1;
  const raw = range / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

function yAxis(maxV: number, unit: string, plotH: number): { svg: string; scale: (v: number) => number } {
  const step = niceStep(maxV);
  const top = Math.max(step, Math.ceil(maxV / step) * step);
  const scale = (v: number) => M.t + plotH - (v / top) * plotH;
  let svg = '';
  for (let v = 0; v <= top + 1e-9; v += step) {
    const y = scale(v).toFixed(1);
    svg += `<line x1="${M.l}" x2="${W - M.r}" y1="${y}" y2="${y}" class="grid"/><text x="${M.l - 6}" y="${y}" class="ytick">${esc(fmt(v))}</text>`;
  }
  svg += `<text x="12" y="${M.t + plotH / 2}" class="ylabel" transform="rotate(-90 12 ${M.t + plotH / 2})">${esc(unit)}</text>`;
  return { svg, scale };
}

export type LinePart = { name: string; values: (number | null)[]; cls: string };

/** Time-series lines (gaps break the line), x ticks at local dates. */
export function lineChart(args: {
  title: string;
  parts: LinePart[];
  startMs: number;
  intervalMs: number;
  utcOffsetMinutes: number;
  unit: string;
}): string {
  const n = Math.max(1, ...args.parts.map((p) => p.values.length));
  const plotW = W - M.l - M.r;
  const plotH = H - M.t - M.b;
  const maxV = Math.max(0, ...args.parts.flatMap((p) => p.values.filter((v): v is number => v !== null)));
  const { svg: axis, scale } = yAxis(maxV, args.unit, plotH);
  const x = (i: number) => M.l + (n > 1 ? (i / (n - 1)) * plotW : plotW / 2);
  let lines = '';
  for (const p of args.parts) {
    let d = '';
    let pen = false;
    p.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${scale(v).toFixed(1)}`;
      pen = true;
    });
    lines += `<path d="${d}" class="${esc(p.cls)}"><title>${esc(p.name)}</title></path>`;
  }
  const spanDays = (n * args.intervalMs) / 86_400_000;
  const tickEvery = Math.max(1, Math.round(n / 8));
  let xt = '';
  for (let i = 0; i < n; i += tickEvery) {
    const iso = new Date(args.startMs + i * args.intervalMs + args.utcOffsetMinutes * 60_000).toISOString();
    const label = spanDays <= 2 ? iso.slice(11, 16) : iso.slice(5, 10);
    xt += `<text x="${x(i).toFixed(1)}" y="${H - 14}" class="xtick">${esc(label)}</text>`;
  }
  const legend = args.parts
    .map(
      (p, k) =>
        `<text x="${M.l + 8 + k * 140}" y="${M.t + 10}" class="legend ${esc(p.cls)}-text">■ ${esc(p.name)}</text>`,
    )
    .join('');
  return svgWrap(args.title, `${axis}${lines}${xt}${legend}`);
}

/** Load-duration curve: kW sorted high → low against the share of time. */
export function loadDurationChart(title: string, kwDesc: number[], unit: string, xLabel: string): string {
  const plotW = W - M.l - M.r;
  const plotH = H - M.t - M.b;
  const { svg: axis, scale } = yAxis(kwDesc[0] ?? 0, unit, plotH);
  const n = kwDesc.length;
  const x = (i: number) => M.l + (n > 1 ? (i / (n - 1)) * plotW : 0);
  const d = kwDesc.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)} ${scale(v).toFixed(1)}`).join('');
  const area = n ? `${d}L${x(n - 1).toFixed(1)} ${scale(0).toFixed(1)}L${M.l} ${scale(0).toFixed(1)}Z` : '';
  let xt = '';
  for (const pct of [0, 25, 50, 75, 100]) {
    const anchor = pct === 0 ? ' style="text-anchor:start"' : pct === 100 ? ' style="text-anchor:end"' : '';
    xt += `<text x="${(M.l + (pct / 100) * plotW).toFixed(1)}" y="${H - 20}" class="xtick"${anchor}>${pct}%</text>`;
  }
  return svgWrap(
    title,
    `${axis}<path d="${area}" class="area"/><path d="${d}" class="s1"/>${xt}<text x="${W - M.r}" y="${H - 2}" class="xlabel">${esc(xLabel)}</text>`,
  );
}

/** Weekday × hour heat map of mean kW. */
export function heatmapChart(
  title: string,
  cells: (number | null)[][],
  rowLabels: string[],
  unit: string,
): string {
  const cw = (W - M.l - M.r) / 24;
  const ch = (H - M.t - M.b) / Math.max(1, cells.length);
  const vals = cells.flat().filter((v): v is number => v !== null);
  const lo = vals.length ? Math.min(...vals) : 0;
  const hi = vals.length ? Math.max(...vals) : 1;
  let body = '';
  cells.forEach((row, r) => {
    body += `<text x="${M.l - 6}" y="${(M.t + r * ch + ch / 2).toFixed(1)}" class="ytick">${esc(rowLabels[r] ?? '')}</text>`;
    row.forEach((v, h) => {
      const level = v === null ? -1 : hi > lo ? (v - lo) / (hi - lo) : 0.5;
      const fill = level < 0 ? '#eeeeee' : `hsl(210, 70%, ${(92 - level * 62).toFixed(0)}%)`;
      body += `<rect x="${(M.l + h * cw).toFixed(1)}" y="${(M.t + r * ch).toFixed(1)}" width="${(cw - 1).toFixed(1)}" height="${(ch - 1).toFixed(1)}" fill="${fill}"><title>${esc(`${rowLabels[r]} ${h}:00 ${v === null ? '—' : `${fmt(v)} ${unit}`}`)}</title></rect>`;
    });
  });
  for (let h = 0; h < 24; h += 3)
    body += `<text x="${(M.l + h * cw + cw / 2).toFixed(1)}" y="${H - 14}" class="xtick">${h}</text>`;
  body += `<text x="${W - M.r}" y="${H - 2}" class="xlabel">${esc(`${fmt(lo)}–${fmt(hi)} ${unit}`)}</text>`;
  return svgWrap(title, body);
}

/** Horizontal bars with value labels. */
export function barChart(title: string, items: { label: string; value: number }[], unit: string): string {
  const rowH = 28;
  const h = M.t + items.length * rowH + 8;
  const maxV = Math.max(0, ...items.map((i) => i.value));
  const plotW = W - 160 - 120;
  let body = '';
  items.forEach((it, k) => {
    const y = M.t + k * rowH;
    const w = maxV > 0 ? (it.value / maxV) * plotW : 0;
    body += `<text x="152" y="${y + 17}" class="ytick">${esc(it.label)}</text><rect x="160" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 10}" class="bar"/><text x="${(166 + w).toFixed(1)}" y="${y + 17}" class="value">${esc(`${fmt(it.value)} ${unit}`)}</text>`;
  });
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg"><title>${esc(title)}</title>${body}</svg>`;
}

function svgWrap(title: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg"><title>${esc(title)}</title>${body}</svg>`;
}
