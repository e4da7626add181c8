import type { Medium } from '@xiang/protocol';
import type { RegistrySnapshot } from '../../registry/model.js';
import type { SeriesKey, TimeSeriesStore } from '../../store/types.js';
import type { DataExtent } from './schemas.js';

/**
 * The stored extent of a factory's data: first and last timestamp of each meter's consumption counter (by
 * medium) and of each machine's state — what every default period in the console is clipped to, and what a
 * period reaching beyond the data is compared with before a run. The first point comes from `raw(…, limit 1)`
 * (an index seek), the last from `latest()`.
 */
const COUNTERS = new Set(['activeEnergyImport', 'volume', 'mass']);

export async function dataExtent(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  nowMs: number,
): Promise<DataExtent> {
  const factoryId = snapshot.factory.id;
  const devices = new Map(snapshot.devices.map((d) => [d.id, d]));
  const picked = new Map<string, { key: SeriesKey; medium: Medium | 'machine' }>();
  for (const m of snapshot.metrics) {
    const d = devices.get(m.deviceId);
    if (!d || m.phase) continue;
    const isCounter = d.kind === 'meter' && COUNTERS.has(m.quantity);
    const isState = d.kind === 'machine' && m.quantity === 'machineState';
    if (!isCounter && !isState) continue;
    const id = `${m.deviceId}\u0000${m.key}`;
    if (!picked.has(id))
      picked.set(id, {
        key: { factoryId, deviceId: m.deviceId, metric: m.key },
        medium: isState ? 'machine' : (d.medium ?? 'electricity'),
      });
  }
  const list = [...picked.values()];
  const firsts = await Promise.all(list.map((s) => store.raw(s.key, 0, nowMs + 86_400_000, 1)));
  const latest = list.length
    ? await store.latest(factoryId, {
        deviceIds: [...new Set(list.map((s) => s.key.deviceId))],
        metrics: [...new Set(list.map((s) => s.key.metric))],
      })
    : [];
  const lastOf = new Map(latest.map((l) => [`${l.deviceId}\u0000${l.metric}`, l.tsMs]));
  type Acc = { firstMs: number | null; lastMs: number | null; n: number };
  const groups = new Map<Medium | 'machine', Acc>();
  const add = (a: Acc, first: number | undefined, last: number | undefined) => {
    a.n++;
    if (first !== undefined) a.firstMs = a.firstMs === null ? first : Math.min(a.firstMs, first);
    if (last !== undefined) a.lastMs = a.lastMs === null ? last : Math.max(a.lastMs, last);
  };
  const all: Acc = { firstMs: null, lastMs: null, n: 0 };
  list.forEach((s, i) => {
    const g = groups.get(s.medium) ?? { firstMs: null, lastMs: null, n: 0 };
    groups.set(s.medium, g);
    const first = firsts[i]?.[0]?.tsMs;
    const last = lastOf.get(`${s.key.deviceId}\u0000${s.key.metric}`);
    add(g, first, last);
    add(all, first, last);
  });
  const machines = groups.get('machine') ?? { firstMs: null, lastMs: null, n: 0 };
  return {
    factoryId,
    firstMs: all.firstMs,
    lastMs: all.lastMs,
    media: [...groups.entries()]
      .filter(([k]) => k !== 'machine')
      .map(([medium, g]) => ({ medium: medium as Medium, firstMs: g.firstMs, lastMs: g.lastMs, meters: g.n }))
      .sort((a, b) => a.medium.localeCompare(b.medium)),
    machines: { firstMs: machines.firstMs, lastMs: machines.lastMs, count: machines.n },
    checkedAtMs: nowMs,
  };
}
