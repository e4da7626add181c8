// @ts-check
/**
 * A line's machines through one shift as a Gantt chart: each machine's OPC 40001 MachineryItemState as
 * published on change, held until the next change (a Bad sample or a silence beyond the staleness limit is a
 * gap, never a state), with the shift's breaks marked. The shift is chosen from the factory's calendar (the
 * current or a recent one); `?line=<path>&shift=<startMs>` in the URL.
 */
import { apiGet, factoryPath } from '../api.js';
import { ChartSlot, timeAxis, timeZoom, tooltipHtml, x, xTime } from '../charts.js';
import { h } from '../dom.js';
import { formatDuration, formatTime } from '../format.js';
import { label, t } from '../i18n.js';
import { fetchStepSeries } from '../series-source.js';
import { emptyNote, section } from './common.js';

const DAY = 86_400_000;
const STATE_COLORS = ['#adb5bd', '#c92a2a', '#f08c00', '#2b8a3e']; // NotAvailable, OutOfService, NotExecuting, Executing
const hm = (/** @type {string} */ s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * Shifts (with breaks) of a calendar that start in [fromMs, toMs), newest first — the protocol's calendar rules
 * (workdays, holidays, make-up days, shifts past midnight) for the few days a shift picker needs.
 * @param {any} cal
 * @param {number} fromMs
 * @param {number} toMs
 * @returns {{ name: string, date: string, startMs: number, endMs: number, breaks: { startMs: number, endMs: number }[] }[]}
 */
export function recentShifts(cal, fromMs, toMs) {
  if (!cal?.shifts?.length) return [];
  const off = (cal.utcOffsetMinutes ?? 480) * 60_000;
  const out = [];
  for (let day = Math.floor((fromMs + off) / DAY) * DAY - off - DAY; day < toMs; day += DAY) {
    const date = new Date(day + off).toISOString().slice(0, 10);
    const weekday = ((new Date(day + off).getUTCDay() + 6) % 7) + 1;
    const work = cal.holidays?.includes(date)
      ? false
      : cal.extraWorkdays?.includes(date) || (cal.workdays ?? [1, 2, 3, 4, 5]).includes(weekday);
    if (!work) continue;
    for (const s of cal.shifts) {
      const startMs = day + hm(s.start) * 60_000;
      let endMs = day + hm(s.end) * 60_000;
      if (endMs <= startMs) endMs += DAY;
      if (startMs < fromMs || startMs >= toMs) continue;
      const breaks = (s.breaks ?? []).map((/** @type {any} */ b) => {
        let bs = day + hm(b.start) * 60_000;
        if (bs < startMs) bs += DAY;
        let be = day + hm(b.end) * 60_000;
        while (be <= bs) be += DAY;
        return { startMs: bs, endMs: Math.min(be, endMs) };
      });
      out.push({ name: s.name, date, startMs, endMs, breaks });
    }
  }
  return out.sort((a, b) => b.startMs - a.startMs);
}

/**
 * Step breakpoints → segments.
 * @param {import('../step.js').StepPoint[]} s
 * @returns {{ startMs: number, endMs: number, state: number }[]}
 */
function segments(s) {
  /** @type {{ startMs: number, endMs: number, state: number }[]} */
  const out = [];
  for (let i = 0; i + 1 < s.length; i++) {
    const p = /** @type {import('../step.js').StepPoint} */ (s[i]);
    const end = /** @type {import('../step.js').StepPoint} */ (s[i + 1])[0];
    if (p[1] !== null && end > p[0]) out.push({ startMs: p[0], endMs: end, state: p[1] });
  }
  return out;
}

/**
 * @param {any} ctx
 * @param {any} line  a /lines/status row
 * @param {number} atMs
 */
export async function lineGantt(ctx, line, atMs) {
  const [profile, metrics] = await Promise.all([
    apiGet(factoryPath(ctx.factoryId)),
    apiGet(factoryPath(ctx.factoryId, '/metrics')),
  ]);
  const shifts = recentShifts(profile.calendar, atMs - 3 * DAY, atMs).filter((s) => s.startMs <= atMs);
  const chosen = shifts.find((s) => String(s.startMs) === ctx.query.shift) ?? shifts[0];
  const box = h('div', { id: 'gantt-chart', class: 'chart-box', role: 'img' });
  const title = `${line.name ?? line.assetPath} · ${t('lines.gantt')}`;
  if (!chosen) return section(title, emptyNote(t('lines.noShift')));
  const fromMs = chosen.startMs;
  const toMs = Math.min(chosen.endMs, atMs);
  const stateKey = (/** @type {string} */ id) =>
    metrics.find((/** @type {any} */ m) => m.deviceId === id && m.quantity === 'machineState')?.key;
  /** @type {{ id: string, name: string, segments: { startMs: number, endMs: number, state: number }[] }[]} */
  const machines = await Promise.all(
    line.machines
      .filter((/** @type {any} */ m) => stateKey(m.deviceId))
      .map(async (/** @type {any} */ m) => ({
        id: m.deviceId,
        name: m.name ?? m.deviceId,
        segments: segments(
          await fetchStepSeries(ctx.factoryId, m.deviceId, stateKey(m.deviceId), fromMs, toMs),
        ),
      })),
  );
  const picker = h(
    'select',
    {
      id: 'gantt-shift',
      onchange: (/** @type {Event} */ e) => {
        const q = new URLSearchParams({
          ...ctx.query,
          shift: /** @type {HTMLSelectElement} */ (e.target).value,
        });
        location.hash = `#/lines/${encodeURIComponent(ctx.factoryId)}?${q}`;
      },
    },
    shifts.map((s) =>
      h(
        'option',
        { value: s.startMs, selected: s === chosen },
        `${s.date} ${s.name} ${formatTime(s.startMs, { seconds: false }).slice(-5)}–${formatTime(s.endMs, { seconds: false }).slice(-5)}`,
      ),
    ),
  );
  const rows = machines.map((m, row) => ({ ...m, row }));
  const data = rows.flatMap((m) =>
    m.segments.map((s) => ({
      value: [m.row, x(s.startMs), x(s.endMs), s.state],
      itemStyle: { color: STATE_COLORS[s.state] ?? '#868e96' },
    })),
  );
  /** @type {any} */
  const option = {
    grid: { left: 8, right: 16, top: 8, bottom: 48, containLabel: true },
    xAxis: timeAxis(x(fromMs), x(chosen.endMs)),
    yAxis: {
      type: 'category',
      data: rows.map((m) => m.name),
      inverse: true,
      axisLabel: { width: 110, overflow: 'truncate' },
    },
    dataZoom: timeZoom('weakFilter'),
    tooltip: {
      formatter: (/** @type {any} */ p) =>
        tooltipHtml(rows[p.value[0]]?.name ?? '', [
          [3, label('machineState', p.value[3]), `${xTime(p.value[1])} – ${xTime(p.value[2]).slice(-5)}`],
          [0, t('alarm.col.duration'), formatDuration(p.value[2] - p.value[1], ctx.lang)],
        ]),
    },
    series: [
      {
        type: 'custom',
        encode: { x: [1, 2], y: 0 },
        data,
        markArea: {
          silent: true,
          itemStyle: { color: 'rgba(134, 142, 150, 0.18)' },
          data: chosen.breaks.map((b) => [{ xAxis: x(b.startMs) }, { xAxis: x(b.endMs) }]),
        },
        renderItem: (/** @type {any} */ _p, /** @type {any} */ api) => {
          const a = api.coord([api.value(1), api.value(0)]);
          const b = api.coord([api.value(2), api.value(0)]);
          const hgt = api.size([0, 1])[1] * 0.6;
          return {
            type: 'rect',
            shape: { x: a[0], y: a[1] - hgt / 2, width: Math.max(1, b[0] - a[0]), height: hgt },
            style: api.style(),
          };
        },
      },
    ],
  };
  const legend = h(
    'p',
    { class: 'gantt-legend' },
    [3, 2, 1, 0].map((s) =>
      h(
        'span',
        { class: `legend-item state-${s}` },
        h('span', { class: 'legend-swatch', 'aria-hidden': 'true' }),
        label('machineState', s),
      ),
    ),
    h(
      'span',
      { class: 'legend-item' },
      h('span', { class: 'legend-swatch swatch-break', 'aria-hidden': 'true' }),
      t('lines.breaks'),
    ),
  );
  const el = section(
    title,
    h('div', { class: 'field' }, h('label', { for: 'gantt-shift' }, t('lines.shift')), picker),
    legend,
    machines.length ? box : emptyNote(t('lines.noStates')),
  );
  el.id = 'line-gantt';
  el.dataset.machines = String(machines.length);
  if (machines.length) {
    const slot = new ChartSlot(box, {
      lang: ctx.lang,
      filename: `${ctx.factoryId}-${line.assetPath.replace(/\//g, '_')}-${chosen.date}`,
      labels: { png: t('chart.png'), csv: t('chart.csv'), zoom: t('chart.zoom'), reset: t('chart.reset') },
      onCleanup: ctx.onCleanup,
      csv: () => ({
        header: ['machine', 'state', 'start', 'end'],
        rows: rows.flatMap((m) =>
          m.segments.map((s) => [
            m.id,
            s.state,
            new Date(s.startMs).toISOString(),
            new Date(s.endMs).toISOString(),
          ]),
        ),
      }),
    });
    box.classList.add(rows.length > 8 ? 'chart-tall' : 'chart-box');
    queueMicrotask(() => void slot.set(option));
  }
  return el;
}
