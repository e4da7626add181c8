import { localMidnight } from '@xiang/protocol';
import { z } from 'zod';
import {
  type AssetOee,
  computeFactoryOee,
  computeLineStatus,
  type FactoryOeeResult,
  type MachineOeeInput,
  type OeeConfigInput,
  type OeeFigures,
} from '../oee/index.js';
import { timeInState } from '../oee/time-in-state.js';
import type { RegistrySnapshot } from '../registry/model.js';
import type { Registry } from '../registry/registry.js';
import type { TimeSeriesStore } from '../store/types.js';
import { loadOeeInputs } from './oee-inputs.js';

/**
 * Registry + store → OEE rows and live line status for the API, the console and the grading run. The domain
 * (oee/) is pure; this module only loads (query/oee-inputs.ts), calls it and flattens its result into rows
 * (one per asset × time bucket) that a table or a test can read without knowing the result's nesting.
 */
const DAY_MS = 86_400_000;

export const oeeGroupBySchema = z.enum(['machine', 'line', 'workshop', 'factory', 'day', 'shift']);
export type OeeGroupBy = z.infer<typeof oeeGroupBySchema>;

const sixBigLossesSchema = z.object({
  breakdowns: z.number(),
  setupAdjustments: z.number(),
  idlingMinorStops: z.number(),
  reducedSpeed: z.number(),
  startupRejects: z.number(),
  productionRejects: z.number(),
});

export const oeeRowSchema = z
  .object({
    level: z.enum(['machine', 'line', 'workshop', 'factory']),
    assetPath: z.string(),
    name: z.string().nullable(),
    deviceId: z.string().optional(),
    rule: z.enum(['machine', 'lastStation', 'timeWeighted']),
    date: z
      .string()
      .optional()
      .describe('local date (YYYY-MM-DD) of a day row, or the start date of a shift'),
    shift: z.string().optional(),
    fromMs: z.number(),
    toMs: z.number(),
    availability: z.number().nullable(),
    performance: z.number().nullable(),
    quality: z.number().nullable(),
    oee: z.number().nullable(),
    sixBigLossesMin: sixBigLossesSchema,
    unknownMin: z.number(),
    coverage: z
      .number()
      .nullable()
      .describe(
        'share of known data behind the figures: machine state known in calendar production time (the whole bucket without production time) and counters without an open gap, the smaller of the two',
      ),
    lowCoverage: z.boolean().describe('coverage below the configured minimum (default 0.95)'),
    unattributed: z
      .object({ good: z.number(), reject: z.number() })
      .describe(
        'pieces a counter showed after a gap of unknown machine state: made in the gap, when is unknown; not in the figures (prorated over the gap)',
      ),
    warnings: z.array(z.string()),
    totals: z.record(z.string(), z.number()).describe('additive ms and count totals of the loss tree'),
    stateDurationsMs: z
      .record(z.string(), z.number())
      .optional()
      .describe('machine rows: ms per raw state (OPC 40001 names) and unknown, adding up to the bucket'),
  })
  .meta({ id: 'OeeRow' });
export type OeeRow = z.infer<typeof oeeRowSchema>;

export type FactoryOee = {
  snapshot: RegistrySnapshot;
  inputs: MachineOeeInput[];
  result: FactoryOeeResult;
};

export async function loadFactoryOee(
  store: TimeSeriesStore,
  registry: Registry,
  factoryId: string,
  opts: { fromMs: number; toMs: number; nowMs?: number; config?: OeeConfigInput },
): Promise<FactoryOee> {
  const lookbackMs = DAY_MS;
  const nowMs = opts.nowMs ?? Date.now();
  // Counter gaps are looked past the window end (7 days) and before it (7 days): the online history too.
  const snapshot = registry.snapshot(factoryId, {
    historyFromMs: opts.fromMs - 7 * DAY_MS,
    historyToMs: Math.max(opts.toMs, Math.min(opts.toMs + 7 * DAY_MS, nowMs)),
  });
  const threshold = (opts.config?.microStopThresholdS ?? 120) * 1000;
  const inputs = await loadOeeInputs(store, productionOnly(snapshot), {
    fromMs: opts.fromMs,
    toMs: opts.toMs,
    lookbackMs,
    lookaheadMs: Math.max(15 * 60_000, threshold),
    nowMs,
  });
  const result = computeFactoryOee({
    snapshot,
    machines: inputs,
    fromMs: opts.fromMs,
    toMs: opts.toMs,
    ...(opts.config ? { config: opts.config } : {}),
  });
  return { snapshot, inputs, result };
}

/**
 * Machines the registry marks as not production equipment (`production: false`, e.g. the compressors
 * `npm start` registers) are left out of OEE: they make no pieces, and their run time would dilute a
 * workshop's and the factory's performance and inflate availability. Machines keep the flag's default (true).
 */
export function productionOnly(snapshot: RegistrySnapshot): RegistrySnapshot {
  return {
    ...snapshot,
    devices: snapshot.devices.filter((d) => !(d.kind === 'machine' && d.production === false)),
  };
}

/** Rows for the asset levels and time buckets asked for (default: the factory over the whole period). */
export function oeeRows(oee: FactoryOee, groupBy: OeeGroupBy[]): OeeRow[] {
  const { snapshot, inputs, result } = oee;
  const levels = (['machine', 'line', 'workshop', 'factory'] as const).filter((l) => groupBy.includes(l));
  const byDay = groupBy.includes('day');
  const byShift = groupBy.includes('shift');
  const assetName = new Map(snapshot.assets.map((a) => [a.path, a.name ?? null]));
  const deviceName = new Map(snapshot.devices.map((d) => [d.id, d.name ?? null]));
  const inputOf = new Map(inputs.map((i) => [i.deviceId, i]));
  const rows: OeeRow[] = [];
  const emit = (
    base: Pick<OeeRow, 'level' | 'assetPath' | 'name' | 'rule'> & { deviceId?: string },
    buckets: {
      period: OeeFigures;
      days: (OeeFigures & { date: string })[];
      shifts: (OeeFigures & { date: string; shift: string })[];
    },
  ) => {
    const input = base.deviceId ? inputOf.get(base.deviceId) : undefined;
    const row = (f: OeeFigures, extra: { date?: string; shift?: string }): OeeRow => ({
      ...base,
      ...extra,
      fromMs: f.fromMs,
      toMs: f.toMs,
      availability: f.availability,
      performance: f.performance,
      quality: f.quality,
      oee: f.oee,
      sixBigLossesMin: f.sixBigLossesMin,
      unknownMin: f.unknownMin,
      coverage: f.coverage,
      lowCoverage: f.lowCoverage,
      unattributed: { good: f.totals.unattributedGoodCount, reject: f.totals.unattributedRejectCount },
      warnings: f.warnings,
      totals: { ...f.totals },
      ...(input
        ? {
            stateDurationsMs: timeInState(
              input.states,
              input.mapping.stateNames,
              f.fromMs,
              f.toMs,
              input.unknownIntervals,
            ),
          }
        : {}),
    });
    if (!byDay && !byShift) rows.push(row(buckets.period, {}));
    if (byDay) for (const d of buckets.days) rows.push(row(d, { date: d.date }));
    if (byShift) for (const s of buckets.shifts) rows.push(row(s, { date: s.date, shift: s.shift }));
  };
  const asset = (a: AssetOee, level: 'line' | 'workshop' | 'factory') =>
    emit(
      {
        level,
        assetPath: a.assetPath,
        name: assetName.get(a.assetPath) ?? (level === 'factory' ? snapshot.factory.name || null : null),
        rule: a.rule,
      },
      a,
    );
  for (const level of levels.length > 0 ? levels : (['factory'] as const)) {
    if (level === 'machine')
      for (const m of result.machines)
        emit(
          {
            level,
            assetPath: m.assetPath,
            name: deviceName.get(m.deviceId) ?? null,
            deviceId: m.deviceId,
            rule: 'machine',
          },
          m,
        );
    else if (level === 'line') for (const l of result.lines) asset(l, level);
    else if (level === 'workshop') for (const w of result.workshops) asset(w, level);
    else asset(result.factory, level);
  }
  return rows;
}

export const lineStatusSchema = z
  .object({
    assetPath: z.string(),
    name: z.string().nullable(),
    state: z.string().describe('loss category: running, idle, setup, unplannedStop, plannedStop, unknown'),
    sinceMs: z.number().nullable(),
    rule: z.enum(['lastStation', 'worstMachine']),
    calendar: z.enum(['production', 'break', 'offShift']),
    machines: z.array(
      z.object({
        deviceId: z.string(),
        name: z.string().nullable(),
        state: z.string(),
        rawState: z.number().nullable(),
        stateName: z.string().nullable(),
        sinceMs: z.number().nullable(),
        coverage: z.number().nullable().describe("share of today's production time with known state"),
      }),
    ),
    today: z.object({
      fromMs: z.number(),
      toMs: z.number(),
      availability: z.number().nullable(),
      performance: z.number().nullable(),
      quality: z.number().nullable(),
      oee: z.number().nullable(),
      sixBigLossesMin: sixBigLossesSchema,
      unknownMin: z.number(),
      goodCount: z.number(),
      rejectCount: z.number(),
      coverage: z.number().nullable().describe('coverage of the data the line figures rest on'),
      lowCoverage: z.boolean().describe('coverage below the configured minimum: read the figures with care'),
      machinesWithGaps: z.array(z.string()).describe("the line's machines with a data gap today"),
      unattributed: z.object({ good: z.number(), reject: z.number() }),
      warnings: z.array(z.string()),
    }),
  })
  .meta({ id: 'LineStatus' });
export type LineStatusRow = z.infer<typeof lineStatusSchema>;

/**
 * Every line's state at `atMs` and its OEE from local midnight to `atMs` (the domain's computeLineStatus),
 * with the six big losses and counts of the same window added from the line's OEE figures.
 */
export async function loadLineStatus(
  store: TimeSeriesStore,
  registry: Registry,
  factoryId: string,
  atMs: number,
  config?: OeeConfigInput,
): Promise<{ atMs: number; lines: LineStatusRow[] }> {
  const cal = registry.factory(factoryId)?.calendar;
  const fromMs = localMidnight({ utcOffsetMinutes: cal?.utcOffsetMinutes ?? 480 }, atMs);
  const toMs = Math.max(atMs, fromMs + 1);
  // States are read up to the status instant, never past it: live status says what is known at `at`.
  const oee = await loadFactoryOee(store, registry, factoryId, {
    fromMs,
    toMs,
    nowMs: toMs,
    ...(config ? { config } : {}),
  });
  const status = computeLineStatus({
    snapshot: oee.snapshot,
    machines: oee.inputs,
    nowMs: atMs,
    ...(config ? { config } : {}),
  });
  const assetName = new Map(oee.snapshot.assets.map((a) => [a.path, a.name ?? null]));
  const deviceName = new Map(oee.snapshot.devices.map((d) => [d.id, d.name ?? null]));
  const lines = status.map((s): LineStatusRow => {
    const f = oee.result.lines.find((l) => l.assetPath === s.assetPath)?.period;
    return {
      ...s,
      name: assetName.get(s.assetPath) ?? null,
      machines: s.machines.map((m) => ({ ...m, name: deviceName.get(m.deviceId) ?? null })),
      today: {
        ...s.today,
        sixBigLossesMin: f?.sixBigLossesMin ?? {
          breakdowns: 0,
          setupAdjustments: 0,
          idlingMinorStops: 0,
          reducedSpeed: 0,
          startupRejects: 0,
          productionRejects: 0,
        },
        unknownMin: f?.unknownMin ?? 0,
        goodCount: f?.totals.goodCount ?? 0,
        rejectCount: f?.totals.rejectCount ?? 0,
        unattributed: {
          good: f?.totals.unattributedGoodCount ?? 0,
          reject: f?.totals.unattributedRejectCount ?? 0,
        },
        warnings: f?.warnings ?? [],
      },
    };
  });
  return { atMs, lines };
}
