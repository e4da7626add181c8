import { type Rng, rngFor } from '@xiang/simulators/physics/prng';
import fc from 'fast-check';
import { classifyMinute, type MinuteKind, type RefCalendar } from './calendar-reference.js';
import { calendarArb } from './random-calendar.js';

/**
 * Seeded random plants for the OEE / indicator property (issue 10 §4): 1–2 workshops, 1–2 lines each, 1–3
 * machines per line, 4–7 days of 10-s ticks, a random shift calendar (shifts across midnight, holidays,
 * make-up days, any UTC offset). Each machine gets a true timeline — runs, micro-stops, long idle, breakdowns,
 * maintenance, setups with a product change (new ideal cycle time) and start-up rejects, switched-off
 * spells, running through breaks — and dropouts of random length: the whole device (every tag Bad, then
 * silence, then Good values again) or its counters only. `publishedPoints` turns the timeline into what an
 * on-change source publishes (a value when its value or status changes); the data ends with every tag Bad.
 * The exact truth of these timelines is tests/oracles/oee-reference.ts. Nothing here imports platform code.
 */
export const TICK_MS = 10_000;
const TICK_S = TICK_MS / 1000;
const MIN = 60_000;
const DAY_MS = 86_400_000;
export const STATE = { NotAvailable: 0, OutOfService: 1, NotExecuting: 2, Executing: 3 } as const;
export const MODE = { None: 0, Maintenance: 1, Setup: 2, Processing: 3 } as const;

export type Dropout = { kind: 'device' | 'counter'; fromTick: number; toTick: number };
export type RandomMachine = {
  id: string;
  assetPath: string;
  linePath: string;
  workshop: string;
  /** Per tick: the true OPC 40001 state and mode, pieces finished at the tick, ideal cycle time in force (s). */
  state: Uint8Array;
  mode: Uint8Array;
  good: Uint16Array;
  reject: Uint16Array;
  ideal: Float64Array;
  hasRejectCounter: boolean;
  /** false: the machine publishes no ideal cycle time; the line's person-entered value applies. */
  hasIdealSeries: boolean;
  goodBase: number;
  dropouts: Dropout[];
};
export type RandomLine = {
  path: string;
  name: string;
  outputMachine: string | null;
  idealCycleTimeS: number;
};
export type RandomWindow = { fromMs: number; toMs: number; buckets: boolean };
export type RandomPlant = {
  seed: number;
  factoryId: string;
  startMs: number;
  ticks: number;
  /** Data ends here: every tag goes Bad at this instant. */
  endMs: number;
  calendar: RefCalendar;
  workshops: string[];
  lines: RandomLine[];
  machines: RandomMachine[];
  windows: RandomWindow[];
};

export function generatePlant(seed: number): RandomPlant {
  const r = rngFor(seed, 'plant');
  const days = r.int(4, 7);
  const ticks = (days * DAY_MS) / TICK_MS;
  const firstDay = Math.floor(Date.parse('2025-01-01T00:00:00Z') / DAY_MS) + r.int(0, 700);
  const calendar = fc.sample(calendarArb(firstDay, days + 1, true), { seed, numRuns: 1 })[0] as RefCalendar;
  // Data starts at local midnight of a random day.
  const startMs = firstDay * DAY_MS - calendar.utcOffsetMinutes * MIN;
  const kinds = minuteKinds(calendar, startMs, ticks);
  const workshops: string[] = [];
  const lines: RandomLine[] = [];
  const machines: RandomMachine[] = [];
  for (let w = 1, nw = r.int(1, 2); w <= nw; w++) {
    const ws = `WS${w}`;
    workshops.push(ws);
    for (let l = 1, nl = r.int(1, 2); l <= nl; l++) {
      const linePath = `${ws}/L${l}`;
      const lineIdeal = r.int(20, 90);
      const ids: string[] = [];
      for (let m = 1, nm = r.int(1, 3); m <= nm; m++) {
        const id = `${ws}-L${l}-M${m}`;
        ids.push(id);
        const atStation = r.chance(0.5);
        machines.push(
          machineTimeline(rngFor(seed, id), {
            id,
            assetPath: atStation ? `${linePath}/ST${m}` : linePath,
            linePath,
            workshop: ws,
            ticks,
            kinds,
            lineIdeal,
          }),
        );
      }
      lines.push({
        path: linePath,
        name: `线${w}-${l}`,
        outputMachine: r.chance(0.6) ? (ids[ids.length - 1] as string) : null,
        idealCycleTimeS: lineIdeal,
      });
    }
  }
  const endMs = startMs + ticks * TICK_MS;
  return {
    seed,
    factoryId: `R${seed}`,
    startMs,
    ticks,
    endMs,
    calendar,
    workshops,
    lines,
    machines,
    windows: windowsFor(r, startMs, endMs),
  };
}

/** Calendar kind per tick (the reference classifies whole minutes; a tick lies in one minute). */
function minuteKinds(cal: RefCalendar, startMs: number, ticks: number): MinuteKind[] {
  const out: MinuteKind[] = [];
  const perMinute = MIN / TICK_MS;
  for (let k = 0; k < ticks; k += perMinute) {
    const kind = classifyMinute(cal, startMs + k * TICK_MS).kind;
    for (let j = 0; j < perMinute; j++) out.push(kind);
  }
  return out;
}

type Activity = { state: number; mode: number; left: number; name: string };

function machineTimeline(
  r: Rng,
  o: {
    id: string;
    assetPath: string;
    linePath: string;
    workshop: string;
    ticks: number;
    kinds: MinuteKind[];
    lineIdeal: number;
  },
): RandomMachine {
  const n = o.ticks;
  const state = new Uint8Array(n);
  const mode = new Uint8Array(n);
  const good = new Uint16Array(n);
  const reject = new Uint16Array(n);
  const ideal = new Float64Array(n);
  const hasIdealSeries = r.chance(0.75);
  const base = hasIdealSeries ? r.int(15, 120) : o.lineIdeal;
  const rejectRate = r.uniform(0, 0.05);
  const slow = r.uniform(1, 1.3);
  let idealNow = base;
  let act: Activity = { state: STATE.NotAvailable, mode: MODE.None, left: 0, name: 'off' };
  let progress = r.next();
  let setupEndedAt = -1_000_000;
  const ticksOf = (minutes: number) => Math.max(1, Math.round((minutes * 60) / TICK_S));
  for (let k = 0; k < n; k++) {
    const kind = o.kinds[k] as MinuteKind;
    const kindChanged = k > 0 && (kind === 'production') !== (o.kinds[k - 1] === 'production');
    if (act.left <= 0 || (kindChanged && !(act.name === 'run' && r.chance(0.3)))) {
      const prev = act;
      act = nextActivity(r, kind, prev, ticksOf);
      if (act.name === 'setup' && prev.name !== 'setup' && hasIdealSeries)
        idealNow = Math.round(base * r.uniform(0.8, 1.25)); // a new product
      if (prev.mode === MODE.Setup && act.mode !== MODE.Setup) setupEndedAt = k;
    }
    act.left--;
    state[k] = act.state;
    mode[k] = act.mode;
    ideal[k] = idealNow;
    if (act.state === STATE.Executing && (act.mode === MODE.Processing || act.mode === MODE.None)) {
      progress += TICK_S / (idealNow * slow);
      if (progress >= 1) {
        progress -= 1;
        const startup = (k - setupEndedAt) * TICK_S < 300;
        if (r.chance(startup ? 0.3 : rejectRate)) reject[k] = 1;
        else good[k] = 1;
      }
    }
  }
  return {
    id: o.id,
    assetPath: o.assetPath,
    linePath: o.linePath,
    workshop: o.workshop,
    state,
    mode,
    good,
    reject,
    ideal,
    hasRejectCounter: r.chance(0.8),
    hasIdealSeries,
    goodBase: r.int(0, 100_000),
    dropouts: dropoutsFor(r, n),
  };
}

function nextActivity(
  r: Rng,
  kind: MinuteKind,
  prev: Activity,
  ticksOf: (minutes: number) => number,
): Activity {
  const a = (name: string, state: number, mode: number, minutes: number): Activity => ({
    name,
    state,
    mode,
    left: ticksOf(minutes),
  });
  if (kind !== 'production') {
    const x = r.next();
    if (prev.name === 'run' && x < 0.3) return a('run', STATE.Executing, MODE.Processing, r.uniform(2, 90));
    if (x < 0.45) return a('idle', STATE.NotExecuting, MODE.Processing, r.uniform(1, 60));
    return a('off', STATE.NotAvailable, MODE.None, r.uniform(5, 240));
  }
  if (prev.name === 'setup' && prev.state === STATE.NotExecuting)
    return a('setup', STATE.Executing, MODE.Setup, r.uniform(1, 10)); // the test run, still in setup mode
  if (prev.name !== 'run') return a('run', STATE.Executing, MODE.Processing, r.uniform(2, 90));
  const x = r.next();
  if (x < 0.45)
    return a(
      'micro',
      r.chance(0.7) ? STATE.NotExecuting : STATE.OutOfService,
      MODE.Processing,
      r.uniform(0.17, 1.9),
    );
  if (x < 0.6) return a('idle', STATE.NotExecuting, MODE.Processing, r.uniform(1.5, 45));
  if (x < 0.7) return a('breakdown', STATE.OutOfService, MODE.Processing, r.uniform(2, 120));
  if (x < 0.75) return a('maintenance', STATE.NotExecuting, MODE.Maintenance, r.uniform(10, 60));
  if (x < 0.85) return a('setup', STATE.NotExecuting, MODE.Setup, r.uniform(5, 40));
  if (x < 0.9) return a('off', STATE.NotAvailable, MODE.None, r.uniform(10, 180));
  return a('run', STATE.Executing, MODE.Processing, r.uniform(2, 90));
}

/** 0–3 dropouts per machine, from one tick to a day and a half (log-uniform), never overlapping. */
function dropoutsFor(r: Rng, ticks: number): Dropout[] {
  const out: Dropout[] = [];
  for (let i = 0, n = r.int(0, 3); i < n; i++) {
    const len = Math.max(1, Math.round(Math.exp(r.uniform(0, Math.log(1.5 * 8640)))));
    const fromTick = r.int(1, Math.max(1, ticks - len - 1));
    const toTick = fromTick + len;
    if (out.some((d) => d.fromTick <= toTick && fromTick <= d.toTick)) continue;
    out.push({ kind: r.chance(0.6) ? 'device' : 'counter', fromTick, toTick });
  }
  return out.sort((a, b) => a.fromTick - b.fromTick);
}

/** Query windows: two long ones with day and shift buckets, four of any length, one past each data edge. */
function windowsFor(r: Rng, startMs: number, endMs: number): RandomWindow[] {
  const tick = (ms: number) => startMs + Math.round((ms - startMs) / TICK_MS) * TICK_MS;
  const span = endMs - startMs;
  const out: RandomWindow[] = [];
  for (let i = 0; i < 2; i++) {
    const from = tick(startMs + r.uniform(0, 0.4) * span);
    out.push({ fromMs: from, toMs: tick(from + r.uniform(1, 3) * DAY_MS), buckets: true });
  }
  for (let i = 0; i < 4; i++) {
    const from = tick(startMs + r.uniform(0, 0.95) * span);
    const len = Math.exp(r.uniform(Math.log(10 * MIN), Math.log(3 * DAY_MS)));
    out.push({ fromMs: from, toMs: Math.max(from + TICK_MS, tick(from + len)), buckets: false });
  }
  out.push({
    fromMs: tick(startMs - r.uniform(0.1, 1) * DAY_MS),
    toMs: tick(startMs + r.uniform(0.1, 1) * DAY_MS),
    buckets: true,
  });
  out.push({
    fromMs: tick(endMs - r.uniform(0.1, 1) * DAY_MS),
    toMs: tick(endMs + r.uniform(0.1, 1) * DAY_MS),
    buckets: true,
  });
  return out;
}

export type PublishedPoint = { deviceId: string; metric: string; tsMs: number; value: number; good: boolean };

export const METRICS = ['state', 'operationMode', 'goodCount', 'rejectCount', 'idealCycleTime'] as const;

/**
 * What an on-change source publishes for a machine: each tag's value when its value or quality changes, every
 * tag Good at the first tick; during a dropout Bad (the last value held) — every tag for a device dropout, the
 * counters for a counter dropout — and Good again at its end; every tag Bad at the end of the data.
 */
export function publishedPoints(plant: RandomPlant, m: RandomMachine): PublishedPoint[] {
  const out: PublishedPoint[] = [];
  const metrics = METRICS.filter(
    (x) => (x !== 'rejectCount' || m.hasRejectCounter) && (x !== 'idealCycleTime' || m.hasIdealSeries),
  );
  const last = new Map<string, { value: number; good: boolean }>();
  let g = m.goodBase;
  let rej = 0;
  let d = 0;
  for (let k = 0; k <= plant.ticks; k++) {
    const t = plant.startMs + k * TICK_MS;
    while (d < m.dropouts.length && (m.dropouts[d] as Dropout).toTick <= k) d++;
    const drop = m.dropouts[d];
    const inDrop = drop !== undefined && drop.fromTick <= k && k < drop.toTick ? drop.kind : null;
    const end = k === plant.ticks;
    if (!end) {
      g += m.good[k] as number;
      rej += m.reject[k] as number;
    }
    for (const metric of metrics) {
      const counter = metric === 'goodCount' || metric === 'rejectCount';
      const bad = end || inDrop === 'device' || (inDrop === 'counter' && counter);
      const prev = last.get(metric);
      const value = bad
        ? (prev?.value ?? 0)
        : metric === 'state'
          ? (m.state[k] as number)
          : metric === 'operationMode'
            ? (m.mode[k] as number)
            : metric === 'goodCount'
              ? g
              : metric === 'rejectCount'
                ? rej
                : (m.ideal[k] as number);
      if (prev && prev.value === value && prev.good === !bad) continue;
      last.set(metric, { value, good: !bad });
      out.push({ deviceId: m.id, metric, tsMs: t, value, good: !bad });
    }
  }
  return out;
}
