import { type CalendarSegment, equipmentClassInfo, MachineryItemState } from '@xiang/protocol';
import type { DiagnosisContext, MachineInfo } from '../context.js';
import type { StateChanges } from '../types.js';

const QUARTER_MS = 15 * 60_000;

/** Milliseconds a machine executes inside [a, b). */
export function executingMs(st: StateChanges, a: number, b: number): number {
  const count = Math.min(st.tMs.length, st.state.length);
  // First change whose interval can reach a: the last one at or before a (binary search).
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (st.tMs[mid]! <= a) lo = mid;
    else hi = mid - 1;
  }
  return executingFrom(st, count, lo, a, b);
}

/** The sum of executingMs from change `lo` on: one place for both the binary search and the sweep. */
function executingFrom(st: StateChanges, count: number, lo: number, a: number, b: number): number {
  let ms = 0;
  for (let k = lo; k < count && st.tMs[k]! < b; k++) {
    if (st.state[k] !== MachineryItemState.Executing) continue;
    const s0 = Math.max(st.tMs[k]!, a);
    const e0 = Math.min(k + 1 < count ? st.tMs[k + 1]! : b, b);
    if (e0 > s0) ms += e0 - s0;
  }
  return ms;
}

/**
 * executingMs of every grid quarter-hour, in one sweep. On changes in time order the sweep's starting change
 * is the one the binary search finds, so each value is the same number; out of order (or NaN times) each
 * quarter falls back to the binary search itself.
 */
function executingPerQuarter(st: StateChanges, fromMs: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const count = Math.min(st.tMs.length, st.state.length);
  let sorted = true;
  for (let k = 1; k < count && sorted; k++) sorted = st.tMs[k]! >= st.tMs[k - 1]!;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const a = fromMs + i * QUARTER_MS;
    const b = a + QUARTER_MS;
    if (!sorted) {
      out[i] = executingMs(st, a, b);
      continue;
    }
    while (lo + 1 < count && st.tMs[lo + 1]! <= a) lo++;
    out[i] = executingFrom(st, count, lo, a, b);
  }
  return out;
}

/**
 * plannedStops (below) for every machine of a run. A machine's line and workshop mates are asked, quarter-hour
 * by quarter-hour, how long they execute; each machine is a mate of several others, so its executing time
 * per grid quarter-hour is computed once (the same numbers executingMs gives) and shared.
 */
export function plannedStopsOf(ctx: DiagnosisContext): (m: MachineInfo) => CalendarSegment[] {
  const { fromMs, n } = ctx.grid;
  const perQuarter = new Map<StateChanges, Float64Array>();
  const quarterOf = (st: StateChanges) => {
    let q = perQuarter.get(st);
    if (!q) {
      q = executingPerQuarter(st, fromMs, n);
      perQuarter.set(st, q);
    }
    return q;
  };
  const info = new Map<string, MachineInfo>();
  for (const y of ctx.machines) if (!info.has(y.deviceId)) info.set(y.deviceId, y);
  const stops = ctx.grid.segments.filter((sg) => sg.kind !== 'production');
  // Executing time per whole stop segment, likewise shared by every machine of the workshop.
  const perStop = new Map<StateChanges, Float64Array>();
  const stopOf = (st: StateChanges) => {
    let q = perStop.get(st);
    if (!q) {
      q = Float64Array.from(stops, (sg) => executingMs(st, sg.startMs, sg.endMs));
      perStop.set(st, q);
    }
    return q;
  };
  return (m) => plannedStops(ctx, m, { info, stops, quarterOf, stopOf });
}

type StopsShared = {
  info: Map<string, MachineInfo>;
  stops: CalendarSegment[];
  quarterOf: (st: StateChanges) => Float64Array;
  stopOf: (st: StateChanges) => Float64Array;
};

/** Mates executing more than half of [a, b); `slot` ≥ 0 when `tables` hold [a, b) at that index. */
function produces(mates: StateChanges[], tables: Float64Array[], slot: number, a: number, b: number) {
  if (!mates.length) return false;
  let exec = 0;
  if (slot >= 0) for (const q of tables) exec += q[slot]!;
  else for (const x of mates) exec += executingMs(x, a, b);
  return exec / (mates.length * (b - a)) > 0.5;
}

/**
 * The parts of the calendar's planned stops in which the machine's line — and its workshop — do NOT produce,
 * judged per quarter-hour: a quarter-hour of a stop in which the rest of the line, or the rest of the
 * workshop, executes more than half the time is production the calendar does not know (overtime, a workshop
 * on its own shifts), and a machine waiting there is not idling through a stop. Per quarter-hour, not per
 * stop: four hours of Saturday overtime are a small share of a weekend-long stop segment, yet each of their
 * quarter-hours is production. The workshop as well as the line: a machine alone on its line (a furnace) in a
 * workshop that runs three shifts against a one-shift plant calendar has no line mates to show it. And a stop
 * that the workshop, the machine included, executes through for more than half of it is production as a whole.
 */
function plannedStops(ctx: DiagnosisContext, m: MachineInfo, shared: StopsShared): CalendarSegment[] {
  const { info: infoOf, stops, quarterOf, stopOf } = shared;
  const parentOf = (p: string) => p.split('/').slice(0, -1).join('/');
  const workshopOf = (p: string) => p.split('/')[0] ?? '';
  const line = parentOf(m.assetPath);
  const workshop = workshopOf(m.assetPath);
  const lineMates: StateChanges[] = [];
  const shopMates: StateChanges[] = [];
  for (const x of ctx.input.machines) {
    if (x.deviceId === m.deviceId || !x.states) continue;
    const info = infoOf.get(x.deviceId);
    if (!info || equipmentClassInfo(info.equipmentClass ?? undefined)?.group === 'utility') continue;
    if (parentOf(info.assetPath) === line) lineMates.push(x.states);
    if (workshop !== '' && workshopOf(info.assetPath) === workshop) shopMates.push(x.states);
  }
  const lineTables = lineMates.map(quarterOf);
  const shopTables = shopMates.map(quarterOf);
  // A stop the workshop (the machine itself included) executes through for more than half of it is not a
  // stop of this workshop at all: a quarter-hour in which its one or two mates happen to pause with it is
  // still the workshop's own shift, not idling after one.
  const own = ctx.input.machines.find((x) => x.deviceId === m.deviceId)?.states;
  const whole = [...(workshop !== '' ? shopMates : lineMates), ...(own ? [own] : [])];
  const { fromMs, n } = ctx.grid;
  const wholeTables = whole.map(stopOf);
  const out: CalendarSegment[] = [];
  for (let j = 0; j < stops.length; j++) {
    const sg = stops[j]!;
    if (produces(whole, wholeTables, j, sg.startMs, sg.endMs)) continue;
    for (let a = sg.startMs; a < sg.endMs; ) {
      const b = Math.min(sg.endMs, (Math.floor(a / QUARTER_MS) + 1) * QUARTER_MS);
      // A whole quarter-hour of the grid reads the mates' tables; a partial one is computed.
      const i = (a - fromMs) / QUARTER_MS;
      const slot = b - a === QUARTER_MS && Number.isInteger(i) && i >= 0 && i < n ? i : -1;
      if (!produces(lineMates, lineTables, slot, a, b) && !produces(shopMates, shopTables, slot, a, b)) {
        const last = out[out.length - 1];
        if (last && last.endMs === a && last.kind === sg.kind) last.endMs = b;
        else out.push(piece(sg, a, b));
      }
      a = b;
    }
  }
  return out;
}

/** A part [a, b) of a stop segment, built field by field: tens of thousands per run, and spread is slow. */
function piece(sg: CalendarSegment, a: number, b: number): CalendarSegment {
  const out: CalendarSegment = { kind: sg.kind, startMs: a, endMs: b };
  if (sg.shift !== undefined) out.shift = sg.shift;
  return out;
}
