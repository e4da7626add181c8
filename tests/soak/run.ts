import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runSchedule, type ScheduleResult } from './execute.js';
import { generateSchedule } from './generate.js';
import { shrinkEach } from './shrink.js';
import { type BrokerKind, describeSteps, type Schedule, type StoreKind } from './steps.js';
import { startWorld } from './world.js';

export type SoakOptions = {
  /** Seeds to run, in order (each on every store × broker), until they are done or the time is up. */
  seeds: Iterable<number>;
  /** Explicit schedules (replays) run before any seed. */
  schedules?: Schedule[];
  minutes: number;
  stores: StoreKind[];
  brokers: BrokerKind[];
  /** Faults per generated schedule. */
  faults: number;
  shrink: { maxRuns: number; minutes: number };
  log: (line: string) => void;
};

export type SoakSummary = {
  seedsRun: number;
  schedules: number;
  valuesChecked: number;
  lost: number;
  duplicated: number;
  corrupted: number;
  forged: number;
  forgedSent: number;
  duplicatesSent: number;
  rejectedExpected: number;
  rejectedCounted: number;
  /** Schedules whose check found no acknowledged value to check: they prove nothing about loss. */
  checkedNothing: { seed: number; store: StoreKind; broker: BrokerKind }[];
  failures: {
    seed: number;
    store: StoreKind;
    broker: BrokerKind;
    shrunk: { kind: string; schedule: Schedule }[];
    logFile: string;
  }[];
  skipped: boolean;
};

export function replayCommand(s: Schedule): string {
  return `npm run soak -- --schedule '${JSON.stringify(s)}'`;
}

function progressLine(r: ScheduleResult): string {
  const s = r.schedule;
  const v = r.verdict;
  const phases = Object.entries(r.phasesMs)
    .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}`)
    .join(', ');
  const head = `[soak] seed ${s.seed} ${s.store}/${s.broker} ${s.steps.length} steps ${(r.durationMs / 1000).toFixed(1)} s (${phases}):`;
  if (!v) return `${head} ERROR ${r.error?.split('\n')[0]}`;
  const nothing =
    v.checked === 0 ? ' ⚠ NOTHING CHECKED (no acknowledged value to check: proves nothing about loss)' : '';
  return `${head} ${v.checked} values checked${nothing}, lost ${v.lost}, duplicated ${v.duplicated}, corrupted ${v.corrupted}, forged ${v.forged}/${r.forgedSent} sent, rejected ${v.rejectedCounted}/${v.rejectedExpected}, unacked-but-stored ${v.unackedStored} ${r.ok ? '✓' : '✗ FAILED'}`;
}

function checkedNothingCell(s: SoakSummary): string {
  const n = s.checkedNothing.length;
  if (n === 0) return '0';
  const which = s.checkedNothing.map((x) => `${x.seed} ${x.store}/${x.broker}`);
  return `${n} of ${s.schedules} — they prove nothing: ${which.slice(0, 10).join(', ')}${n > 10 ? ', …' : ''}`;
}

export function summaryTable(s: SoakSummary): string {
  const rows: [string, string | number][] = [
    ['seeds run', s.seedsRun],
    ['schedules', s.schedules],
    ['values checked', s.valuesChecked],
    ['lost', s.lost],
    ['duplicated', s.duplicated],
    ['corrupted (value/quality differs)', s.corrupted],
    ['forged stored / forged sent', `${s.forged} / ${s.forgedSent}`],
    ['duplicates and replays sent', s.duplicatesSent],
    ['rejected and counted / malformed sent', `${s.rejectedCounted} / ${s.rejectedExpected}`],
    ['schedules that checked nothing', checkedNothingCell(s)],
    ['failing schedules', s.failures.length],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

/** Runs schedules over the real processes until the seeds or the time run out; shrinks each failure. */
export async function runSoak(o: SoakOptions): Promise<SoakSummary> {
  const sum: SoakSummary = {
    seedsRun: 0,
    schedules: 0,
    valuesChecked: 0,
    lost: 0,
    duplicated: 0,
    corrupted: 0,
    forged: 0,
    forgedSent: 0,
    duplicatesSent: 0,
    rejectedExpected: 0,
    rejectedCounted: 0,
    checkedNothing: [],
    failures: [],
    skipped: false,
  };
  const stores = [...new Set([...o.stores, ...(o.schedules ?? []).map((s) => s.store)])];
  const world = await startWorld({ stores });
  if (!world || (stores.includes('influx') && !world.influx)) {
    await world?.dispose();
    return { ...sum, skipped: true };
  }
  const deadline = Date.now() + o.minutes * 60_000;
  const record = async (r: ScheduleResult) => {
    sum.schedules++;
    o.log(progressLine(r));
    const v = r.verdict;
    if (v) {
      sum.valuesChecked += v.checked;
      sum.lost += v.lost;
      sum.duplicated += v.duplicated;
      sum.corrupted += v.corrupted;
      sum.forged += v.forged;
      sum.rejectedExpected += v.rejectedExpected;
      sum.rejectedCounted += v.rejectedCounted;
      const { seed, store, broker } = r.schedule;
      if (v.checked === 0) sum.checkedNothing.push({ seed, store, broker });
    }
    sum.forgedSent += r.forgedSent;
    sum.duplicatesSent += r.duplicatesSent;
    if (!r.ok) await onFailure(r);
  };
  const onFailure = async (r: ScheduleResult) => {
    const s = r.schedule;
    o.log(`[soak] FAILED seed ${s.seed} (${s.store}/${s.broker}); schedule: ${describeSteps(s.steps)}`);
    for (const e of r.verdict?.examples ?? []) o.log(`         ${e}`);
    if (r.error) o.log(`         error: ${r.error.split('\n').slice(0, 3).join(' | ')}`);
    const logFile = path.join(
      os.tmpdir(),
      `xiang-soak-seed${s.seed}-${s.store}-${s.broker}-${Date.now()}.log`,
    );
    await writeFile(logFile, `${JSON.stringify(s)}\n${r.error ?? ''}\n${r.output}`);
    const shrunk = await shrinkEach(r, {
      run: (x) => runSchedule(x, world),
      maxRuns: o.shrink.maxRuns,
      deadlineMs: Date.now() + o.shrink.minutes * 60_000,
      log: o.log,
    });
    for (const x of shrunk) {
      o.log(
        `[soak] seed ${s.seed} "${x.kind}": shrunk to ${x.schedule.steps.length} steps in ${x.runs} runs: ${describeSteps(x.schedule.steps)}`,
      );
      for (const e of x.result.verdict?.examples.slice(0, 4) ?? []) o.log(`         ${e}`);
      o.log(`[soak] replay: ${replayCommand(x.schedule)}`);
    }
    o.log(`[soak] process output: ${logFile}`);
    sum.failures.push({
      seed: s.seed,
      store: s.store,
      broker: s.broker,
      shrunk: shrunk.map((x) => ({ kind: x.kind, schedule: x.schedule })),
      logFile,
    });
  };
  try {
    for (const s of o.schedules ?? []) {
      if (Date.now() > deadline) break;
      await record(await runSchedule(s, world));
    }
    for (const seed of o.seeds) {
      if (Date.now() > deadline) break;
      sum.seedsRun++;
      for (const store of o.stores) {
        for (const broker of o.brokers) {
          if (Date.now() > deadline) break;
          const s = generateSchedule(seed, { store, broker, faults: o.faults });
          await record(await runSchedule(s, world));
        }
      }
    }
  } finally {
    await world.dispose();
  }
  return sum;
}
