import { localMidnight } from '@xiang/protocol';
import type { RegistrySnapshot } from '../registry/model.js';
import { aggregateMachines } from './aggregate.js';
import { prepareCalendar } from './calendar-context.js';
import { computeMachineOee } from './machine.js';
import { type MachineOeeInput, type OeeConfigInput, oeeConfigSchema } from './types.js';

/**
 * Live line status: each line's current state and since when, its machines' states, and today's OEE so far
 * (local midnight → now). A line follows its last station when it has one (the output-counter device);
 * otherwise it shows the most severe state among its machines — one stopped machine stops a line's flow —
 * with "since" = the earliest start among the machines in that state.
 */
const SEVERITY = ['unplannedStop', 'setup', 'idle', 'unknown', 'running', 'plannedStop'] as const;

export type LineStatus = {
  assetPath: string;
  state: string;
  sinceMs: number | null;
  rule: 'lastStation' | 'worstMachine';
  calendar: 'production' | 'break' | 'offShift';
  machines: {
    deviceId: string;
    state: string;
    rawState: number | null;
    stateName: string | null;
    sinceMs: number | null;
    /** Share of today's production time with known state (see figures.coverageOf). */
    coverage: number | null;
  }[];
  today: {
    fromMs: number;
    toMs: number;
    availability: number | null;
    performance: number | null;
    quality: number | null;
    oee: number | null;
    /** Coverage of the data the line's figures rest on, and whether it is below the configured minimum. */
    coverage: number | null;
    lowCoverage: boolean;
    /** Machines of the line with a data gap today (whether or not the line's figures rest on them). */
    machinesWithGaps: string[];
  };
};

export function computeLineStatus(args: {
  snapshot: Pick<RegistrySnapshot, 'factory' | 'assets' | 'lines'>;
  machines: MachineOeeInput[];
  nowMs: number;
  config?: OeeConfigInput;
}): LineStatus[] {
  const config = oeeConfigSchema.parse(args.config ?? {});
  const cal = args.snapshot.factory.calendar;
  const fromMs = localMidnight({ utcOffsetMinutes: cal?.utcOffsetMinutes ?? 480 }, args.nowMs);
  const toMs = Math.max(args.nowMs, fromMs + 1);
  const ctx = prepareCalendar(cal, fromMs, toMs);
  const results = args.machines.map((m) => computeMachineOee(m, ctx, config));
  const agg = aggregateMachines(args.snapshot, results, ctx, config);
  const nowSeg = ctx.segments.find((s) => s.startMs <= toMs - 1 && toMs - 1 < s.endMs);
  return agg.lines.map((line) => {
    const ms = results.filter((m) => line.deviceIds.includes(m.deviceId));
    const machines = ms.map((m) => ({
      deviceId: m.deviceId,
      state: m.current?.category ?? 'unknown',
      rawState: m.current?.state ?? null,
      stateName: m.current?.stateName ?? null,
      sinceMs: m.current?.sinceMs ?? null,
      coverage: m.period.coverage,
    }));
    let state: string;
    let sinceMs: number | null;
    let rule: LineStatus['rule'];
    const last =
      line.rule === 'lastStation' ? machines.find((m) => m.deviceId === line.ruleDeviceId) : undefined;
    if (last) {
      state = last.state;
      sinceMs = last.sinceMs;
      rule = 'lastStation';
    } else {
      const rank = (s: string) => {
        const i = SEVERITY.indexOf(s as (typeof SEVERITY)[number]);
        return i < 0 ? SEVERITY.indexOf('unknown') : i;
      };
      state = machines.reduce((w, m) => (rank(m.state) < rank(w) ? m.state : w), 'plannedStop');
      const since = machines
        .filter((m) => m.state === state && m.sinceMs !== null)
        .map((m) => m.sinceMs as number);
      sinceMs = since.length > 0 ? Math.min(...since) : null;
      rule = 'worstMachine';
    }
    return {
      assetPath: line.assetPath,
      state,
      sinceMs,
      rule,
      calendar: nowSeg?.kind ?? 'offShift',
      machines,
      today: {
        fromMs,
        toMs,
        availability: line.period.availability,
        performance: line.period.performance,
        quality: line.period.quality,
        oee: line.period.oee,
        coverage: line.period.coverage,
        lowCoverage: line.period.lowCoverage,
        machinesWithGaps: ms
          .filter(
            (m) =>
              m.period.totals.unknownMs + m.period.totals.unknownOutsideMs > 0 ||
              m.period.totals.countGapMs > 0,
          )
          .map((m) => m.deviceId),
      },
    };
  });
}
