import type { DiagnosisContext } from '../context.js';
import type { Accounting, MediumAccount, NodeAccount } from '../result.js';
import { sumByGroup } from '../series.js';
import type { SlotGrid } from '../slots.js';
import { mediumRoots } from '../tree.js';
import type { MeterSeries } from '../types.js';
import { monthAndShiftTotals } from './aggregate.js';
import { catchUps } from './catch-ups.js';
import { co2Factor, kgceFactor } from './conversion.js';
import { touPeriodTypes } from './tou.js';

/**
 * Energy accounting for the run: consumption per medium and per metering-tree node (month, shift),
 * comprehensive energy consumption (kgce/tce, GB/T 2589-2020), CO₂ (grid + fuels), cost under the
 * time-of-use tariff, and the metering-tree balance.
 */
export function accountEnergy(ctx: DiagnosisContext): Accounting {
  const { grid, tree, meterById, book } = ctx;
  const nodes: NodeAccount[] = tree.order.map((id) => {
    const n = tree.nodes.get(id)!;
    const m = meterById.get(id);
    const base = {
      meterId: id,
      name: n.name,
      assetPath: n.assetPath,
      medium: n.medium,
      unit: m?.unit ?? (n.medium === 'electricity' ? 'kWh' : ''),
      role: n.role ?? null,
      parentId: n.parent,
      depth: n.depth,
      slots: grid.n,
    };
    if (!m) return { ...base, hasData: false, total: 0, gapSlots: grid.n, monthly: [], byShift: [] };
    const { month, shift } = monthAndShiftTotals(withCatchUps(m, grid), grid);
    return {
      ...base,
      hasData: true,
      total: month.sum.reduce((s, v) => s + v, 0),
      gapSlots: month.gaps.reduce((s, v) => s + v, 0),
      monthly: grid.months.map((mo, g) => ({
        month: mo.key,
        quantity: month.sum[g]!,
        gapSlots: month.gaps[g]!,
      })),
      byShift: grid.hasCalendar
        ? [...grid.shiftNames, 'offShift'].map((name, g) => ({
            shift: name,
            quantity: shift.sum[g]!,
            gapSlots: shift.gaps[g]!,
          }))
        : [],
    };
  });

  const media: MediumAccount[] = [];
  const monthKgce = new Float64Array(grid.months.length);
  const monthCo2 = new Float64Array(grid.months.length);
  const monthGaps = new Uint32Array(grid.months.length);
  const dayKgce = new Float64Array(grid.days.length);
  const dayGaps = new Uint32Array(grid.days.length);
  const mediaPresent = [
    ...new Set([...tree.nodes.values()].filter((n) => n.series >= 0).map((n) => n.medium)),
  ];
  let electricity: Float64Array | null = null;
  for (const medium of mediaPresent) {
    const roots = mediumRoots(tree, medium).filter((r) => meterById.has(r.id));
    if (!roots.length) continue;
    const unit = meterById.get(roots[0]!.id)!.unit;
    const sum = new Float64Array(grid.n);
    for (const r of roots) {
      const v = meterById.get(r.id)!.consumption.values;
      for (let i = 0; i < grid.n; i++) sum[i] = sum[i]! + v[i]!;
    }
    const rises = catchUps(
      roots.map((r) => meterById.get(r.id)!),
      grid.fromMs,
      grid.n,
    );
    for (let i = 0; i < grid.n; i++) sum[i] = sum[i]! + rises.bySlot[i]!;
    if (medium === 'electricity') electricity = sum;
    const kg = kgceFactor(book, medium, unit, ctx.basis);
    const co2 = co2Factor(book, medium, unit, ctx.gridFactorUsed);
    const counted = !ctx.options.inHouseMedia.includes(medium);
    let quantity = 0;
    let gaps = 0;
    for (let i = 0; i < grid.n; i++) {
      // An unknown slot adds only a rise booked to it (a known quantity, consumed somewhere before).
      const v = Number.isNaN(sum[i]!) ? rises.bySlot[i]! : sum[i]!;
      if (Number.isNaN(sum[i]!) || rises.uncertain[i]) {
        gaps++;
        if (counted) {
          monthGaps[grid.month[i]!]!++;
          dayGaps[grid.day[i]!]!++;
        }
      }
      quantity += v;
      if (counted && kg.perUnit !== null) {
        monthKgce[grid.month[i]!]! += v * kg.perUnit;
        dayKgce[grid.day[i]!]! += v * kg.perUnit;
      }
      if (counted && co2.perUnit !== null) monthCo2[grid.month[i]!]! += v * co2.perUnit;
    }
    const notes = [kg.note, co2.note].filter(Boolean).join('; ');
    media.push({
      medium,
      unit,
      quantity,
      gapSlots: gaps,
      kgce: kg.perUnit === null ? null : quantity * kg.perUnit,
      kgceCoefficientId: kg.coefficientId,
      co2Kg: co2.perUnit === null ? null : quantity * co2.perUnit,
      co2FactorId: co2.coefficientId,
      costCny: medium === 'electricity' ? costOf(sum, ctx.priceCnyPerKwh, ctx.priced) : null,
      countedInComprehensive: counted,
      ...(notes ? { note: notes } : {}),
    });
  }
  media.sort((a, b) => (b.kgce ?? 0) - (a.kgce ?? 0));

  const counted = media.filter((m) => m.countedInComprehensive);
  const kgce = counted.reduce((s, m) => s + (m.kgce ?? 0), 0);
  const co2Kg = counted.reduce((s, m) => s + (m.co2Kg ?? 0), 0);
  const elec = media.find((m) => m.medium === 'electricity');

  const tou = touBreakdown(ctx, electricity);
  const monthElec = electricity ? sumByGroup(electricity, grid.month, grid.months.length) : null;
  const monthCost =
    electricity && ctx.priced
      ? costByGroup(electricity, ctx.priceCnyPerKwh, grid.month, grid.months.length)
      : null;
  const dayElec = electricity ? sumByGroup(electricity, grid.day, grid.days.length) : null;
  return {
    media,
    comprehensive: {
      kgce,
      tce: kgce / 1000,
      basis: ctx.basis,
      co2T: co2Kg / 1000,
      costCny: elec?.costCny ?? null,
    },
    monthly: grid.months.map((m, g) => ({
      month: m.key,
      electricityKwh: monthElec?.sum[g] ?? 0,
      kgce: monthKgce[g]!,
      co2Kg: monthCo2[g]!,
      costCny: monthCost ? monthCost[g]! : null,
      gapSlots: monthGaps[g]!,
    })),
    daily: grid.days.map((d, k) => ({
      date: d.date,
      electricityKwh: dayElec && dayElec.gaps[k] === 0 ? dayElec.sum[k]! : null,
      kgce: dayGaps[k] === 0 ? dayKgce[k]! : null,
    })),
    tou,
    nodes,
    balance: ctx.balance(),
  };
}

function costOf(kwh: Float64Array, price: Float64Array, priced: boolean): number | null {
  if (!priced) return null;
  let c = 0;
  for (let i = 0; i < kwh.length; i++) {
    const v = kwh[i]!;
    if (!Number.isNaN(v)) c += v * price[i]!;
  }
  return c;
}

function costByGroup(kwh: Float64Array, price: Float64Array, group: Int16Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < kwh.length; i++) {
    const v = kwh[i]!;
    if (!Number.isNaN(v)) out[group[i]!]! += v * price[i]!;
  }
  return out;
}

function touBreakdown(ctx: DiagnosisContext, kwh: Float64Array | null): Accounting['tou'] {
  const e = new Float64Array(4);
  const c = new Float64Array(4);
  if (kwh)
    for (let i = 0; i < kwh.length; i++) {
      const v = kwh[i]!;
      if (Number.isNaN(v)) continue;
      const t = ctx.grid.tou[i]!;
      e[t]! += v;
      c[t]! += v * ctx.priceCnyPerKwh[i]!;
    }
  const total = e.reduce((s, v) => s + v, 0);
  return touPeriodTypes.map((type, k) => ({
    type,
    energyKwh: e[k]!,
    share: total > 0 ? e[k]! / total : 0,
    costCny: ctx.priced ? c[k]! : null,
  }));
}

/**
 * A meter's quarter-hours with its catch-up rises booked where the reading resumed. Without rises every slot
 * would add +0, which changes no total (the sums start at +0): the delivered series is used as it is,
 * sparing a year-long copy per meter.
 */
function withCatchUps(m: MeterSeries, grid: SlotGrid): Float64Array {
  const delivered = m.consumption.values;
  if (!m.unattributed?.length) return delivered;
  const rises = catchUps([m], grid.fromMs, grid.n).bySlot;
  const values = new Float64Array(delivered.length);
  for (let i = 0; i < delivered.length; i++) values[i] = delivered[i]! + rises[i]!;
  return values;
}
