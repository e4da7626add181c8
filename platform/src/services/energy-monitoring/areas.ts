import type { NodeAccount } from '../../energy/result.js';
import type { DiagnosisInput } from '../../energy/types.js';
import type { RegistrySnapshot } from '../../registry/model.js';
import { knownSum } from './inputs.js';
import type { EnergyOverview } from './schemas.js';

/**
 * Electricity by area (workshop, line) and the biggest consumers, from the accounting's metering-tree nodes.
 * An area's consumption is the sum of its top-most meters — the meters placed in the area whose parent meter is
 * not in the same area — so a line meter under a workshop feeder is never counted twice. Meters at the site
 * level (offices, canteen) form the area with path "" (名称由界面给出).
 */
type Area = EnergyOverview['areas'][number];

const workshopOf = (path: string) => path.split('/')[0] ?? '';
const lineOf = (path: string) => {
  const parts = path.split('/');
  return parts.length >= 2 ? `${parts[0]}/${parts[1]}` : null;
};

function group(
  nodes: NodeAccount[],
  keyOf: (path: string) => string | null,
  level: Area['level'],
  names: Map<string, string>,
): Area[] {
  const byId = new Map(nodes.map((n) => [n.meterId, n]));
  const groups = new Map<string, NodeAccount[]>();
  for (const n of nodes) {
    if (n.parentId === null) continue; // roots are the factory's total, not an area
    const k = keyOf(n.assetPath);
    if (k === null) continue;
    const parent = byId.get(n.parentId);
    if (parent && parent.parentId !== null && keyOf(parent.assetPath) === k) continue;
    groups.set(k, [...(groups.get(k) ?? []), n]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, members]) => {
      const slots = members.reduce((s, n) => s + n.slots, 0);
      const gaps = members.reduce((s, n) => s + n.gapSlots, 0);
      const coverage = slots ? 1 - gaps / slots : 0;
      return {
        path,
        name: names.get(path) ?? '',
        level: path === '' ? 'factory' : level,
        kwh: members.some((n) => n.hasData && n.gapSlots < n.slots)
          ? members.reduce((s, n) => s + n.total, 0)
          : null,
        coverage,
        meterIds: members.map((n) => n.meterId),
      };
    });
}

export function areaFigures(snapshot: RegistrySnapshot, nodes: NodeAccount[]): Area[] {
  const names = new Map(snapshot.assets.map((a) => [a.path, a.name ?? a.path]));
  const lines = new Set(snapshot.assets.filter((a) => a.level === 'line').map((a) => a.path));
  const elec = nodes.filter((n) => n.medium === 'electricity');
  return [
    ...group(elec, workshopOf, 'workshop', names),
    ...group(elec, (p) => (lineOf(p) !== null && lines.has(lineOf(p)!) ? lineOf(p) : null), 'line', names),
  ];
}

/** The ten largest electricity consumers: leaf meters of the metering tree. */
export function topConsumers(nodes: NodeAccount[], rootKwh: number | null): EnergyOverview['topConsumers'] {
  const parents = new Set(nodes.map((n) => n.parentId).filter((x) => x !== null));
  return nodes
    .filter((n) => n.medium === 'electricity' && !parents.has(n.meterId) && n.parentId !== null && n.hasData)
    .sort((a, b) => b.total - a.total)
    .slice(0, 10)
    .map((n) => {
      const coverage = n.slots ? 1 - n.gapSlots / n.slots : 0;
      return {
        meterId: n.meterId,
        name: n.name,
        assetPath: n.assetPath,
        medium: n.medium,
        unit: n.unit,
        quantity: coverage > 0 ? n.total : null,
        coverage,
        share: rootKwh && coverage > 0 ? n.total / rootKwh : null,
      };
    });
}

/** kWh per unit of good output today, per line with an output counter and its own electricity meters. */
export function lineUnitConsumption(
  snapshot: RegistrySnapshot,
  today: DiagnosisInput,
  areas: Area[],
): EnergyOverview['unitConsumption'] {
  const products = new Map(snapshot.factory.products.map((p) => [p.id, p]));
  return today.lines.map((l) => {
    const area = areas.find((a) => a.level === 'line' && a.path === l.assetPath);
    const out = knownSum(l.output.values);
    const output = out.known > 0 ? out.sum : null;
    const kwh = area?.kwh ?? null;
    const product = l.productId ? products.get(l.productId) : undefined;
    return {
      line: l.assetPath,
      name: snapshot.assets.find((a) => a.path === l.assetPath)?.name ?? l.assetPath,
      productId: l.productId ?? null,
      kwh,
      output,
      outputUnit: product?.unit ?? 'pcs',
      kwhPerUnit: kwh !== null && output ? kwh / output : null,
      outputSource: `${l.source.deviceId}:${l.source.metric}`,
      assumption: l.source.assumption ?? null,
    };
  });
}
