import type { Medium, Quantity } from '@xiang/protocol';
import type { RegistryMetric, RegistrySnapshot } from '../registry/model.js';

/**
 * What to read for the energy diagnosis, from the registry alone: per meter the metrics by quantity (the
 * consumption counter of its medium, active power, reactive energy or power, phase voltages, THD, unbalance,
 * flow), and per line the counter that measures its good output.
 */
export type MeterPlan = {
  deviceId: string;
  medium: Medium;
  counter?: RegistryMetric;
  power?: RegistryMetric;
  reactiveCounter?: RegistryMetric;
  reactivePower?: RegistryMetric;
  voltage: RegistryMetric[];
  thd: RegistryMetric[];
  unbalance?: RegistryMetric;
  flow?: RegistryMetric;
  /** Every numeric metric of the device, for the quality check. */
  all: RegistryMetric[];
};

export function metricsByDevice(snapshot: RegistrySnapshot): Map<string, RegistryMetric[]> {
  const out = new Map<string, RegistryMetric[]>();
  for (const m of snapshot.metrics) {
    const list = out.get(m.deviceId);
    if (list) list.push(m);
    else out.set(m.deviceId, [m]);
  }
  return out;
}

export function meterPlans(
  snapshot: RegistrySnapshot,
  metricsOf: Map<string, RegistryMetric[]>,
): MeterPlan[] {
  const byQ = (ms: RegistryMetric[], q: Quantity) => ms.filter((m) => m.quantity === q);
  return snapshot.devices.flatMap((d) => {
    const ms = metricsOf.get(d.id) ?? [];
    const medium: Medium = d.medium ?? 'electricity';
    const counterQ: Quantity[] = medium === 'electricity' ? ['activeEnergyImport'] : ['volume', 'mass'];
    const counter = counterQ.flatMap((q) => byQ(ms, q)).find((m) => !m.phase);
    const power = byQ(ms, 'activePower').find((m) => !m.phase);
    // Meters, and other devices (e.g. a machine) that carry their own energy counter.
    if (d.kind !== 'meter' && !(counter && medium === 'electricity')) return [];
    if (!counter && !power) return [];
    return [
      {
        deviceId: d.id,
        medium,
        ...(counter ? { counter } : {}),
        ...(power ? { power } : {}),
        ...(byQ(ms, 'reactiveEnergyImport')[0]
          ? { reactiveCounter: byQ(ms, 'reactiveEnergyImport')[0] }
          : {}),
        ...(byQ(ms, 'reactivePower').find((m) => !m.phase)
          ? { reactivePower: byQ(ms, 'reactivePower').find((m) => !m.phase) }
          : {}),
        voltage: byQ(ms, 'voltage').filter((m) => m.phase),
        all: ms.filter((m) => m.kind !== 'text'),
        thd: byQ(ms, 'voltageThd'),
        ...(byQ(ms, 'voltageUnbalance')[0] ? { unbalance: byQ(ms, 'voltageUnbalance')[0] } : {}),
        ...([...byQ(ms, 'volumeFlow'), ...byQ(ms, 'massFlow')][0]
          ? { flow: [...byQ(ms, 'volumeFlow'), ...byQ(ms, 'massFlow')][0] }
          : {}),
      },
    ];
  });
}

export type LineSource = {
  assetPath: string;
  productId?: string;
  deviceId: string;
  metric: string;
  assumption?: string;
};

export function lineOutputSources(
  snapshot: RegistrySnapshot,
  metricsOf: Map<string, RegistryMetric[]>,
): LineSource[] {
  const settings = new Map(snapshot.lines.map((l) => [l.path, l]));
  const paths = new Set([
    ...snapshot.assets.filter((a) => a.level === 'line').map((a) => a.path),
    ...settings.keys(),
  ]);
  return [...paths].sort().flatMap((path) => {
    const s = settings.get(path);
    const productId = s?.productId;
    if (s?.outputCounter)
      return [{ assetPath: path, ...(productId ? { productId } : {}), ...s.outputCounter }];
    // Fallback: the good-part counter of the line's last station (by asset path order).
    const counted = snapshot.devices
      .filter((d) => d.kind === 'machine' && d.assetPath.startsWith(`${path}/`))
      .flatMap((d) => {
        const m = metricsOf.get(d.id)?.find((x) => x.quantity === 'goodCount');
        return m ? [{ d, m }] : [];
      })
      .sort((x, y) => x.d.assetPath.localeCompare(y.d.assetPath));
    const last = counted[counted.length - 1];
    if (!last) return [];
    return [
      {
        assetPath: path,
        ...(productId ? { productId } : {}),
        deviceId: last.d.id,
        metric: last.m.key,
        assumption: `no output counter registered for the line: good count of its last station ${last.d.id} is used`,
      },
    ];
  });
}
