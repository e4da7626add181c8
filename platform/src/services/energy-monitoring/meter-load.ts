import type { DiagnosisInput, DiagnosisOptionsInput } from '../../energy/types.js';
import { accountPeriod, DAY_MS, SLOT_MS } from './inputs.js';
import type { MeterLoad } from './schemas.js';

/**
 * One metering-tree node's load over a period: the mean rate per interval (quarter-hours up to 3 days, hours up
 * to 62 days, else days) and a weekday × hour heat map of the mean rate over the hours with data. Rates come from
 * the consumption the accounting reads (kWh per quarter-hour × 4 = kW), so the curve and the Sankey agree.
 */
export function intervalFor(spanMs: number): number {
  if (spanMs <= 3 * DAY_MS) return SLOT_MS;
  if (spanMs <= 62 * DAY_MS) return 3_600_000;
  return DAY_MS;
}

export function buildMeterLoad(
  factoryId: string,
  input: DiagnosisInput,
  meterId: string,
  name: string,
  options: DiagnosisOptionsInput,
): MeterLoad {
  const { fromMs, toMs } = input.period;
  const m = input.meters.find((x) => x.deviceId === meterId)!;
  const { ctx } = accountPeriod(input, fromMs, toMs, options);
  const v = m.consumption.values;
  const per = intervalFor(toMs - fromMs) / SLOT_MS;
  const curve: MeterLoad['curve'] = [];
  // Intervals follow the local clock: a slot starts a new interval when its local hour (or day) changes.
  const off = ctx.grid.utcOffsetMinutes * 60_000;
  const groupOf = (i: number) =>
    per === 1 ? i : per === 4 ? Math.floor((fromMs + i * SLOT_MS + off) / 3_600_000) : ctx.grid.day[i]!;
  const groupStart = (i: number) => groupOf(i) !== groupOf(i - 1);
  let acc = { startMs: fromMs, sum: 0, known: 0, n: 0 };
  const flush = () => {
    if (acc.n > 0)
      curve.push({ startMs: acc.startMs, kw: acc.known === acc.n ? acc.sum / (acc.n * 0.25) : null });
  };
  let total = 0;
  let knownSlots = 0;
  const heat = new Float64Array(7 * 24);
  const heatN = new Uint32Array(7 * 24);
  for (let i = 0; i < v.length; i++) {
    if (i > 0 && groupStart(i)) {
      flush();
      acc = { startMs: fromMs + i * SLOT_MS, sum: 0, known: 0, n: 0 };
    }
    acc.n++;
    const x = v[i]!;
    if (Number.isNaN(x)) continue;
    acc.sum += x;
    acc.known++;
    total += x;
    knownSlots++;
    const cell = (ctx.grid.weekday[i]! - 1) * 24 + ctx.grid.localHour[i]!;
    heat[cell]! += x;
    heatN[cell]!++;
  }
  flush();
  const heatmap: MeterLoad['heatmap'] = [];
  for (let d = 0; d < 7; d++)
    for (let h = 0; h < 24; h++) {
      const k = d * 24 + h;
      heatmap.push({
        weekday: d + 1,
        hour: h,
        mean: heatN[k]! > 0 ? heat[k]! / (heatN[k]! * 0.25) : null,
        hours: Math.floor(heatN[k]! / 4),
      });
    }
  return {
    factoryId,
    meterId,
    name,
    medium: m.medium,
    unit: m.unit,
    rateUnit: m.medium === 'electricity' ? 'kW' : `${m.unit}/h`,
    fromMs,
    toMs,
    intervalMs: per * SLOT_MS,
    curve,
    total: knownSlots > 0 ? total : null,
    coverage: v.length ? knownSlots / v.length : 0,
    heatmap,
  };
}
