import { type PlantReference, refFigures, sumRefTotals } from './oee-reference.js';
import { publishedPoints, type RandomMachine, type RandomPlant, TICK_MS } from './random-plant.js';

/**
 * The exact Article 13 indicators of a random plant over a window, by their stated definitions
 * (platform/src/grading/README.md), from the plant's true dropouts and its published points — independent of
 * platform/src/grading. Every machine is production equipment, born (online) at the data start and never dead.
 *   networking, online-time/1   Σ time online with some tag's Good value in force ÷ (machines × window)
 *   networking, delivered-data/2  machines that published ≥ 1 Good sample in the window ÷ machines
 *   state capture, online-time  Σ time online with a Good state value in force ÷ (machines × window)
 *   state capture, delivered    machines whose state tag published ≥ 1 Good sample ÷ machines
 *   data coverage, online-time  mean over tags of (online with the tag's Good value in force ÷ window)
 *   data coverage, delivered    mean over tags of (online share if the tag published ≥ 1 Good sample, else 0)
 *   OEE availability / tracking from the OEE reference over the window
 * A tag's value is in force from its first sample; it is Good except during a dropout that covers it (every tag
 * for a device dropout, the counters for a counter dropout) and from the end of the data on.
 */
export type IndicatorTruth = Record<string, number | null>;

const COUNTERS = new Set(['goodCount', 'rejectCount']);

function tagsOf(m: RandomMachine): string[] {
  return [
    'state',
    'operationMode',
    'goodCount',
    ...(m.hasRejectCounter ? ['rejectCount'] : []),
    ...(m.hasIdealSeries ? ['idealCycleTime'] : []),
  ];
}

/** ms of [a, b) where the tag had a Good value in force (and the device was online: always, after its birth). */
function goodInForceMs(plant: RandomPlant, m: RandomMachine, tag: string, a: number, b: number): number {
  let ms = Math.max(0, Math.min(b, plant.endMs) - Math.max(a, plant.startMs));
  for (const d of m.dropouts) {
    if (d.kind === 'counter' && !COUNTERS.has(tag)) continue;
    const s = plant.startMs + d.fromTick * TICK_MS;
    const e = plant.startMs + d.toTick * TICK_MS;
    ms -= Math.max(0, Math.min(b, e) - Math.max(a, s));
  }
  return ms;
}

const publishedCache = new WeakMap<RandomMachine, ReturnType<typeof publishedPoints>>();
function published(plant: RandomPlant, m: RandomMachine) {
  let p = publishedCache.get(m);
  if (!p) {
    p = publishedPoints(plant, m).filter((x) => x.good);
    publishedCache.set(m, p);
  }
  return p;
}

export function indicatorTruth(
  plant: RandomPlant,
  ref: PlantReference,
  a: number,
  b: number,
): IndicatorTruth {
  const len = b - a;
  const n = plant.machines.length;
  const online = Math.max(0, b - Math.max(a, plant.startMs));
  let networkedMs = 0;
  let stateMs = 0;
  let deliveredDevices = 0;
  let deliveredState = 0;
  let coverageTime = 0;
  let coverageDelivered = 0;
  let tags = 0;
  for (const m of plant.machines) {
    const inWindow = published(plant, m).filter((p) => p.tsMs >= a && p.tsMs < b);
    const state = goodInForceMs(plant, m, 'state', a, b);
    // Some tag in force: the state tag is Good whenever any tag is (counters only add Bad time).
    networkedMs += state;
    stateMs += state;
    if (inWindow.length > 0) deliveredDevices++;
    if (inWindow.some((p) => p.metric === 'state')) deliveredState++;
    for (const tag of tagsOf(m)) {
      tags++;
      coverageTime += goodInForceMs(plant, m, tag, a, b) / len;
      coverageDelivered += inWindow.some((p) => p.metric === tag) ? online / len : 0;
    }
  }
  const oee = refFigures(sumRefTotals(ref.machines.map((mr) => mr.totals(a, b, ref.kindAt))));
  const tracked = ref.machines.filter((mr) => {
    const f = refFigures(mr.totals(a, b, ref.kindAt));
    return f.availability !== null && f.performance !== null && f.quality !== null;
  }).length;
  return {
    'equipment-networking-rate/online-time': networkedMs / (n * len),
    'equipment-networking-rate/delivered-data': deliveredDevices / n,
    'state-fault-capture/online-time': stateMs / (n * len),
    'state-fault-capture/delivered-data': deliveredState / n,
    'data-collection-coverage/online-time': coverageTime / tags,
    'data-collection-coverage/delivered-data': coverageDelivered / tags,
    'equipment-online-ratio': online > 0 ? 1 : null,
    'oee-availability': oee.availability,
    'oee-tracking': tracked / n,
  };
}
