import { suggestEquipmentClasses } from '@xiang/protocol';
import type { RegistryDevice } from '../registry/model.js';
import type { CompressorInfo, MachineInfo } from './context.js';
import { occupancy } from './machines.js';
import { quantile } from './series.js';
import type { SlotGrid } from './slots.js';
import type { MeteringTree } from './tree.js';
import { type DiagnosisInput, type DiagnosisOptions, type MeterSeries, SLOT_H } from './types.js';

/**
 * Which meter measures which machine, and which meters are air compressors (with their flow meters). A
 * machine's meter is, in this order: its own energy counter; the meter that declares it in `measures`; else
 * (inferred, said so) a meter named after it ("M-HT-FN02" for "HT-FN02") or the only meter beside the only
 * machine at an asset path. Compressors only by declared class or run options. Ambiguity leaves a machine
 * unmapped (reported).
 */
export function mapMachines(
  input: DiagnosisInput,
  grid: SlotGrid,
  tree: MeteringTree,
  meterById: Map<string, MeterSeries>,
): MachineInfo[] {
  const machineDevices = input.registry.devices.filter((d) => d.kind === 'machine');
  const perPath = new Map<string, number>();
  for (const d of machineDevices) perPath.set(d.assetPath, (perPath.get(d.assetPath) ?? 0) + 1);
  const series = new Map(input.machines.map((m) => [m.deviceId, m]));
  // Declared: the electricity meter whose `measures` lists the machine (a meter may measure several).
  const declared = new Map<string, string>();
  const sharedBy = new Map<string, number>();
  for (const dev of input.registry.devices) {
    const node = tree.nodes.get(dev.id);
    if (node?.medium !== 'electricity' || node.series < 0 || !dev.measures) continue;
    for (const id of dev.measures) if (!declared.has(id)) declared.set(id, dev.id);
    sharedBy.set(dev.id, dev.measures.length);
  }
  return machineDevices.map((d) => {
    let meterId: string | null = meterById.has(d.id) ? d.id : (declared.get(d.id) ?? null);
    const meterSource: MachineInfo['meterSource'] = meterById.has(d.id)
      ? 'own'
      : meterId
        ? 'declared'
        : 'inferred';
    if (!meterId) {
      // A meter named after the machine ("M-HT-FN02" for "HT-FN02"), when exactly one electricity meter is.
      const named = [...tree.nodes.values()].filter(
        (n) => n.medium === 'electricity' && n.series >= 0 && meterIdMatches(n.id, d.id),
      );
      if (named.length === 1) meterId = named[0]!.id;
    }
    if (!meterId && perPath.get(d.assetPath) === 1) {
      // One machine at this asset path and exactly one electricity meter there: that meter is the machine's.
      const there = [...tree.nodes.values()].filter(
        (n) => n.assetPath === d.assetPath && n.medium === 'electricity',
      );
      if (there.length === 1 && there[0]!.series >= 0) meterId = there[0]!.id;
    }
    const st = series.get(d.id)?.states;
    const occ = st?.tMs.length ? occupancy(st, grid) : null;
    const meterDev = meterId ? input.registry.devices.find((x) => x.id === meterId) : undefined;
    let standby = d.standbyPowerKw ?? meterDev?.standbyPowerKw ?? null;
    let standbySource: MachineInfo['standbySource'] = standby === null ? null : 'registry';
    if (standby === null && occ && meterId && (sharedBy.get(meterId) ?? 1) <= 1) {
      // Learned standby: median power over quarter-hours the machine spent entirely switched off.
      const cons = meterById.get(meterId)!.consumption.values;
      const mask = new Uint8Array(grid.n);
      let count = 0;
      for (let i = 0; i < grid.n; i++)
        if (occ.off[i]! >= 0.999) {
          mask[i] = 1;
          count++;
        }
      const med = count >= 4 ? quantile(cons, 0.5, mask) : Number.NaN;
      if (!Number.isNaN(med)) {
        standby = med / SLOT_H;
        standbySource = 'learned';
      }
    }
    return {
      deviceId: d.id,
      name: d.name ?? d.id,
      assetPath: d.assetPath,
      meterId,
      meterSource: meterId ? meterSource : null,
      meterShared: meterId ? (sharedBy.get(meterId) ?? 1) > 1 : false,
      profile: d.equipment?.operatingProfile ?? null,
      equipmentClass: d.equipment?.class ?? null,
      ratedPowerKw: d.ratedPowerKw ?? meterDev?.ratedPowerKw ?? null,
      standbyPowerKw: standby,
      standbySource,
      occ,
    };
  });
}

/**
 * Air compressors from DECLARED equipment only (issue 9): a meter declared class airCompressor, or a meter
 * that measures only machines declared airCompressor; run options override. A name containing 空压 makes no
 * compressor (it may be a switchboard feeding several): it is listed as a suggestion to confirm.
 */
export function findCompressors(
  options: DiagnosisOptions,
  tree: MeteringTree,
  devices: Map<string, RegistryDevice>,
  machines: MachineInfo[],
): CompressorInfo[] {
  if (options.compressors)
    return options.compressors.map((c) => ({
      meterId: c.meterId,
      airMeterId: c.airMeterId ?? null,
      standbyPowerKw: c.standbyPowerKw ?? declaredStandby(devices.get(c.meterId)) ?? 0,
      standbyDeclared:
        c.standbyPowerKw !== undefined || declaredStandby(devices.get(c.meterId)) !== undefined,
      role: devices.get(c.meterId)?.equipment?.role ?? null,
      source: 'runOption' as const,
      machineIds: machines.filter((m) => m.meterId === c.meterId).map((m) => m.deviceId),
    }));
  const isCompressor = (id: string) => devices.get(id)?.equipment?.class === 'airCompressor';
  const elec = [...tree.nodes.values()].filter((n) => {
    if (n.medium !== 'electricity' || n.series < 0 || n.role === 'mainIncomer') return false;
    const d = devices.get(n.id);
    const measured = d?.measures ?? [];
    return isCompressor(n.id) || (measured.length > 0 && measured.every(isCompressor));
  });
  const air = [...tree.nodes.values()].filter((n) => n.medium === 'compressedAir' && n.series >= 0);
  const core = (id: string) => id.replace(/^(M|EM|METER)[-_.]/i, '');
  return elec.map((n) => {
    const measured =
      devices.get(n.id)?.measures ?? machines.filter((m) => m.meterId === n.id).map((m) => m.deviceId);
    // A flow meter belongs to this compressor when it hangs below it, measures the same compressor, is named
    // after it, or is the only one beside the only compressor at the same place — never a shared header meter.
    const samePath = (x: { assetPath: string }) => x.assetPath === n.assetPath;
    const sameMeasured = (a: { id: string }) => {
      const m = devices.get(a.id)?.measures ?? [];
      return m.length > 0 && m.length === measured.length && m.every((x) => measured.includes(x));
    };
    const paired =
      air.find((a) => a.parent === n.id) ??
      air.find(sameMeasured) ??
      air.find((a) => meterIdMatches(a.id, core(n.id)) || measured.some((id) => meterIdMatches(a.id, id))) ??
      (air.filter(samePath).length === 1 && elec.filter(samePath).length === 1
        ? air.find(samePath)
        : undefined);
    const machine = measured.length === 1 ? devices.get(measured[0]!) : undefined;
    const own = declaredStandby(devices.get(n.id));
    const parts = measured.map((id) => declaredStandby(devices.get(id)));
    const standbyDeclared = own !== undefined || (parts.length > 0 && parts.every((x) => x !== undefined));
    const standby = own ?? parts.reduce<number>((s, x) => s + (x ?? 0), 0);
    return {
      meterId: n.id,
      airMeterId: paired?.id ?? null,
      standbyPowerKw: standby,
      standbyDeclared,
      role: devices.get(n.id)?.equipment?.role ?? machine?.equipment?.role ?? null,
      source: 'declared' as const,
      machineIds: measured,
    };
  });
}

/** Standby power a device declares (a person's entry, else its equipment declaration). */
export function declaredStandby(d: RegistryDevice | undefined): number | undefined {
  return d?.standbyPowerKw ?? d?.equipment?.standbyPowerKw;
}

/** Devices whose id/name suggests an equipment class but declare none: for a person to confirm. */
export function classSuggestions(devices: RegistryDevice[]): { deviceId: string; classes: string[] }[] {
  return devices.flatMap((d) => {
    if (d.equipment?.class) return [];
    const c = suggestEquipmentClasses([d.id, d.name, d.assetPath.split('/').pop()]).map((x) => x.id);
    return c.length ? [{ deviceId: d.id, classes: c }] : [];
  });
}

/** "M-AC01" names "AC01": the id equals, or ends with a separator followed by, the other id. */
export function meterIdMatches(meterId: string, otherId: string): boolean {
  if (meterId === otherId) return true;
  const sep = meterId.charAt(meterId.length - otherId.length - 1);
  return (
    meterId.length > otherId.length &&
    meterId.endsWith(otherId) &&
    (sep === '-' || sep === '_' || sep === '.')
  );
}
