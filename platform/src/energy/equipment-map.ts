import type { RegistryDevice } from '../registry/model.js';
import type { CompressorInfo, MachineInfo } from './context.js';
import type { Settings } from './data/settings.js';
import { occupancy } from './machines.js';
import { quantile } from './series.js';
import type { SlotGrid } from './slots.js';
import type { MeteringTree } from './tree.js';
import { type DiagnosisInput, type DiagnosisOptions, type MeterSeries, SLOT_H } from './types.js';

/**
 * Which meter measures which machine, and which meters are air compressors (with their flow meters). The
 * registry carries no explicit link, so: a device with its own energy counter; a meter named after the
 * machine ("M-HT-FN02" for "HT-FN02"); or the only meter beside the only machine at an asset path.
 * Compressors by name (settings pattern) or run options. Ambiguity leaves a machine unmapped (reported).
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
  return machineDevices.map((d) => {
    let meterId: string | null = meterById.has(d.id) ? d.id : null;
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
    if (standby === null && occ && meterId) {
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
      ratedPowerKw: d.ratedPowerKw ?? meterDev?.ratedPowerKw ?? null,
      standbyPowerKw: standby,
      standbySource,
      occ,
    };
  });
}

export function findCompressors(
  options: DiagnosisOptions,
  settings: Settings,
  tree: MeteringTree,
  devices: Map<string, RegistryDevice>,
  machines: MachineInfo[],
): CompressorInfo[] {
  if (options.compressors)
    return options.compressors.map((c) => ({
      meterId: c.meterId,
      airMeterId: c.airMeterId ?? null,
      standbyPowerKw: c.standbyPowerKw ?? devices.get(c.meterId)?.standbyPowerKw ?? 0,
    }));
  const re = new RegExp(settings.compressedAir.namePattern, 'i');
  const matches = (d: { id: string; name?: string; assetPath: string }) =>
    re.test(d.id) || re.test(d.name ?? '') || re.test(d.assetPath.split('/').pop() ?? '');
  const machineOf = (meterId: string) => {
    const m = machines.find((x) => x.meterId === meterId);
    return m ? devices.get(m.deviceId) : undefined;
  };
  const elec = [...tree.nodes.values()].filter((n) => {
    if (n.medium !== 'electricity' || n.series < 0 || n.role === 'mainIncomer') return false;
    const machine = machineOf(n.id);
    return matches(n) || (machine !== undefined && matches(machine));
  });
  const air = [...tree.nodes.values()].filter((n) => n.medium === 'compressedAir' && n.series >= 0);
  const core = (id: string) => id.replace(/^(M|EM|METER)[-_.]/i, '');
  return elec.map((n) => {
    const machine = machineOf(n.id);
    // A flow meter belongs to this compressor when it hangs below it, is named after it, or is the only
    // one beside the only compressor at the same place — never a header meter shared by several packages.
    const samePath = (x: { assetPath: string }) => x.assetPath === n.assetPath;
    const paired =
      air.find((a) => a.parent === n.id) ??
      air.find(
        (a) =>
          meterIdMatches(a.id, core(n.id)) || (machine !== undefined && meterIdMatches(a.id, machine.id)),
      ) ??
      (air.filter(samePath).length === 1 && elec.filter(samePath).length === 1
        ? air.find(samePath)
        : undefined);
    const standby = devices.get(n.id)?.standbyPowerKw ?? machine?.standbyPowerKw ?? 0;
    return { meterId: n.id, airMeterId: paired?.id ?? null, standbyPowerKw: standby };
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
