import type { Medium } from '@xiang/protocol';
import type { Accounting } from '../../energy/result.js';
import type { DiagnosisInput } from '../../energy/types.js';
import type { TariffSettings } from '../../registry/factory-settings.js';
import type { RegistrySnapshot } from '../../registry/model.js';
import { areaFigures, lineUnitConsumption, topConsumers } from './areas.js';
import { accountPeriod, DAY_MS, knownSum, type Periods, SLOT_MS } from './inputs.js';
import type { EnergyOverview, MediumFigure, PeriodFigures } from './schemas.js';
import { type ResolvedTariff, touBands } from './tariff.js';

/**
 * The energy overview from one read of three months of consumption (the month before last to now): the four
 * periods with their comparison spans, the incomer's load curve, areas, top consumers, unit consumption and
 * the day's data coverage — all figures from the pure accounting (energy/accounting) over slices.
 */
/** A change is shown only when both sides have data for at least this share of their quarter-hours. */
export const CHANGE_MIN_COVERAGE = 0.98;

type Span = { fromMs: number; toMs: number };
type Ctx = {
  input: DiagnosisInput;
  tariff: ResolvedTariff;
  settings: TariffSettings;
  /** The meter chosen in the factory settings, when any. */
  mainIncomerId?: string;
  /**
   * Accounting of spans that ended before today, shared between requests by the service (their data no longer
   * changes but for late arrivals, which drop them: closed-cache.ts).
   */
  closedAccounts?: {
    get(fromMs: number, toMs: number): Accounting | undefined;
    set(fromMs: number, toMs: number, a: Accounting): void;
  };
  /** Spans ending at or before this instant are closed. */
  closedBeforeMs?: number;
  /** This request's accountings of open spans (today is asked for three times). */
  memo?: Map<string, ReturnType<typeof accountPeriod>>;
};

const coverageOf = (gapSlots: number, slots: number) => (slots > 0 ? 1 - gapSlots / slots : 0);

function mediumCost(c: Ctx, medium: Medium, quantity: number, electricityCost: number | null): number | null {
  if (medium === 'electricity') return electricityCost;
  const price = c.settings.mediumPricesCny[medium];
  return price === undefined ? null : quantity * price;
}

/** The accounting of a span and the sliced input it was made from (memoized for this request). */
function accounted(c: Ctx, s: Span): ReturnType<typeof accountPeriod> {
  const key = `${s.fromMs}-${s.toMs}`;
  const hit = c.memo?.get(key);
  if (hit) return hit;
  const a = accountPeriod(c.input, s.fromMs, s.toMs, c.tariff.options);
  c.memo?.set(key, a);
  return a;
}

function account(c: Ctx, s: Span): Accounting | null {
  if (s.toMs <= s.fromMs) return null;
  const shared = c.closedBeforeMs !== undefined && s.toMs <= c.closedBeforeMs ? c.closedAccounts : undefined;
  const hit = shared?.get(s.fromMs, s.toMs);
  if (hit) return hit;
  const a = accounted(c, s).accounting;
  shared?.set(s.fromMs, s.toMs, a);
  return a;
}

export function periodFigures(c: Ctx, key: PeriodFigures['key'], span: Span, compare: Span): PeriodFigures {
  const now = account(c, span);
  const before = account(c, compare);
  const slots = Math.max(0, (span.toMs - span.fromMs) / SLOT_MS);
  const prevSlots = Math.max(0, (compare.toMs - compare.fromMs) / SLOT_MS);
  const media: MediumFigure[] = (now?.media ?? []).map((m) => {
    const coverage = coverageOf(m.gapSlots, slots);
    const p = before?.media.find((x) => x.medium === m.medium);
    const previousCoverage = p ? coverageOf(p.gapSlots, prevSlots) : 0;
    const has = coverage > 0;
    const comparable =
      coverage >= CHANGE_MIN_COVERAGE && previousCoverage >= CHANGE_MIN_COVERAGE && p && p.quantity > 0;
    return {
      medium: m.medium,
      unit: m.unit,
      quantity: has ? m.quantity : null,
      coverage,
      kgce: has ? m.kgce : null,
      co2Kg: has ? m.co2Kg : null,
      costCny: has ? mediumCost(c, m.medium, m.quantity, m.costCny) : null,
      countedInComprehensive: m.countedInComprehensive,
      previousQuantity: p && previousCoverage > 0 ? p.quantity : null,
      previousCoverage,
      change: comparable ? m.quantity / p.quantity - 1 : null,
    };
  });
  const counted = media.filter((m) => m.countedInComprehensive);
  const coverage = counted.length ? Math.min(...counted.map((m) => m.coverage)) : 0;
  const prevCoverage = counted.length ? Math.min(...counted.map((m) => m.previousCoverage)) : 0;
  const tce = now && coverage > 0 ? now.comprehensive.tce : null;
  const previousTce = before && prevCoverage > 0 ? before.comprehensive.tce : null;
  const costs = media.map((m) => m.costCny);
  return {
    key,
    fromMs: span.fromMs,
    toMs: span.toMs,
    compareFromMs: compare.fromMs,
    compareToMs: compare.toMs,
    media,
    tce,
    co2T: now && coverage > 0 ? now.comprehensive.co2T : null,
    costCny:
      coverage > 0 && media.some((m) => m.medium === 'electricity') && costs.every((x) => x !== null)
        ? costs.reduce<number>((a, x) => a + (x ?? 0), 0)
        : null,
    coverage,
    previousTce,
    tceChange:
      tce !== null && previousTce && coverage >= CHANGE_MIN_COVERAGE && prevCoverage >= CHANGE_MIN_COVERAGE
        ? tce / previousTce - 1
        : null,
  };
}

/** The four periods: so-far spans compare with the same span of the period before. */
export function periodSpans(p: Periods): [PeriodFigures['key'], Span, Span][] {
  const today = p.nowMs - p.todayStart;
  const month = p.nowMs - p.monthStart;
  return [
    [
      'today',
      { fromMs: p.todayStart, toMs: p.nowMs },
      { fromMs: p.yesterdayStart, toMs: p.yesterdayStart + today },
    ],
    [
      'yesterday',
      { fromMs: p.yesterdayStart, toMs: p.todayStart },
      { fromMs: p.yesterdayStart - DAY_MS, toMs: p.yesterdayStart },
    ],
    [
      'thisMonth',
      { fromMs: p.monthStart, toMs: p.nowMs },
      { fromMs: p.lastMonthStart, toMs: Math.min(p.monthStart, p.lastMonthStart + month) },
    ],
    [
      'lastMonth',
      { fromMs: p.lastMonthStart, toMs: p.monthStart },
      { fromMs: p.monthBeforeStart, toMs: p.lastMonthStart },
    ],
  ];
}

/** The main incomer: the registered one, else the electricity root meter with the most consumption. */
export function mainIncomerOf(
  snapshot: RegistrySnapshot,
  input: DiagnosisInput,
  chosen?: string,
): string | null {
  if (chosen && input.meters.some((m) => m.deviceId === chosen)) return chosen;
  const registered = snapshot.devices.find(
    (d) =>
      d.kind === 'meter' && d.meterRole === 'mainIncomer' && (d.medium ?? 'electricity') === 'electricity',
  );
  if (registered) return registered.id;
  const ids = new Set(input.meters.map((m) => m.deviceId));
  const roots = input.meters.filter(
    (m) =>
      m.medium === 'electricity' &&
      !ids.has(snapshot.devices.find((d) => d.id === m.deviceId)?.parentMeter ?? ''),
  );
  const total = (v: Float64Array) => knownSum(v).sum;
  roots.sort((a, b) => total(b.consumption.values) - total(a.consumption.values));
  return roots[0]?.deviceId ?? null;
}

function curve(input: DiagnosisInput, meterId: string, fromMs: number) {
  const m = input.meters.find((x) => x.deviceId === meterId);
  const out: { startMs: number; kw: number | null }[] = [];
  for (let k = 0; k < 96; k++) {
    const t = fromMs + k * SLOT_MS;
    const i = (t - input.period.fromMs) / SLOT_MS;
    const v = m && i >= 0 && i < m.consumption.values.length ? m.consumption.values[i]! : Number.NaN;
    out.push({ startMs: t, kw: Number.isNaN(v) ? null : v * 4 });
  }
  return out;
}

export function loadCurve(
  snapshot: RegistrySnapshot,
  c: Ctx,
  p: Periods,
  atMs: number,
  utcOffsetMinutes: number,
): EnergyOverview['load'] {
  const meterId = mainIncomerOf(snapshot, c.input, c.mainIncomerId);
  if (!meterId) return null;
  const device = snapshot.devices.find((d) => d.id === meterId);
  const complete = Math.floor(atMs / SLOT_MS) * SLOT_MS;
  // The quarter-hour under way has only part of its energy: it is not a demand yet (the live power shows it).
  const today = curve(c.input, meterId, p.todayStart).map((q) =>
    q.startMs + SLOT_MS > complete ? { ...q, kw: null } : q,
  );
  let peak: { kw: number; startMs: number } | null = null;
  for (const q of today)
    if (q.kw !== null && (!peak || q.kw > peak.kw)) peak = { kw: q.kw, startMs: q.startMs };
  const power = snapshot.metrics.find(
    (m) => m.deviceId === meterId && m.quantity === 'activePower' && !m.phase,
  );
  return {
    meterId,
    name: device?.name ?? meterId,
    powerMetric: power?.key ?? null,
    contractDemandKw: snapshot.factory.contractDemandKw ?? null,
    today,
    yesterday: curve(c.input, meterId, p.yesterdayStart),
    sameWeekdayLastWeek: curve(c.input, meterId, p.todayStart - 7 * DAY_MS),
    peakToday: peak,
    tou: touBands(c.tariff, p.todayStart, p.todayStart + DAY_MS, utcOffsetMinutes),
  };
}

/** Everything the overview shows, from the loaded input. */
export function buildOverview(
  snapshot: RegistrySnapshot,
  c: Ctx,
  p: Periods,
  atMs: number,
  utcOffsetMinutes: number,
): EnergyOverview {
  c = { ...c, memo: c.memo ?? new Map() };
  const periods = periodSpans(p).map(([k, s, cmp]) => periodFigures(c, k, s, cmp));
  const todayAcc = account(c, { fromMs: p.todayStart, toMs: p.nowMs });
  const nodes = todayAcc?.nodes ?? [];
  const areas = areaFigures(snapshot, nodes);
  const rootKwh = nodes
    .filter((n) => n.medium === 'electricity' && n.parentId === null)
    .reduce<number | null>((s, n) => (n.hasData && n.gapSlots === 0 && s !== null ? s + n.total : null), 0);
  const workshops = areas.filter((a) => a.level !== 'line');
  const allocated = workshops.every((a) => a.kwh !== null && a.coverage === 1)
    ? workshops.reduce((s, a) => s + (a.kwh ?? 0), 0)
    : null;
  const slots = nodes.reduce((s, n) => s + n.slots, 0);
  const gaps = nodes.reduce((s, n) => s + n.gapSlots, 0);
  const withGaps = nodes
    .filter((n) => n.gapSlots > 0)
    .map((n) => ({ meterId: n.meterId, name: n.name, coverage: coverageOf(n.gapSlots, n.slots) }))
    .sort((a, b) => a.coverage - b.coverage);
  const todayInput = todayAcc
    ? accounted(c, { fromMs: p.todayStart, toMs: p.nowMs }).input
    : { ...c.input, lines: [] };
  const notes: string[] = [];
  if (!c.tariff.hasAnyPrice) notes.push('tariff.unpriced');
  if (!snapshot.devices.some((d) => d.meterRole === 'mainIncomer')) notes.push('incomer.unregistered');
  if (!snapshot.factory.contractDemandKw) notes.push('contractDemand.unset');
  return {
    factoryId: snapshot.factory.id,
    atMs,
    nowMs: p.nowMs,
    utcOffsetMinutes,
    periods,
    load: loadCurve(snapshot, c, p, atMs, utcOffsetMinutes),
    areas,
    unallocatedKwh: rootKwh !== null && allocated !== null && rootKwh > 0 ? rootKwh - allocated : null,
    topConsumers: topConsumers(nodes, rootKwh),
    unitConsumption: lineUnitConsumption(snapshot, todayInput, areas),
    coverage: {
      share: slots ? 1 - gaps / slots : 0,
      meters: nodes.length,
      metersWithGaps: withGaps.slice(0, 10),
    },
    tariff: { ...c.tariff.source, priced: c.tariff.hasAnyPrice },
    notes,
  };
}
