import type { Equipment } from '@xiang/protocol';
import type { MachineSpec, MachineType, MeterSpec, Scenario } from './schema.js';

/**
 * What the simulated devices declare about themselves (birth / agent config): the equipment class from the
 * machine type, a compressor's lead/lag role from its sequence, standby power, and per meter its nominal
 * system voltage and — when it measures a single machine and nothing through child meters — that machine's
 * class. A scenario's explicit `equipment` wins field by field.
 */
const CLASS_OF_TYPE: Record<MachineType, string> = {
  cnc: 'cnc',
  lathe: 'cnc',
  mill: 'cnc',
  grinder: 'cnc',
  press: 'press',
  furnace: 'furnace',
  welder: 'welder',
  assembly: 'assemblyStation',
  washer: 'washer',
  robot: 'robot',
  injection: 'injectionMoulding',
  compressor: 'airCompressor',
  other: 'other',
};

/** Phase-to-neutral nominal voltage of an electricity meter, V. */
export function phaseVoltageV(m: MeterSpec): number {
  return m.nominalVoltageV ?? (m.nominalVoltageKv ? (m.nominalVoltageKv * 1000) / Math.sqrt(3) : 230);
}

/** Nominal system (line-to-line) voltage, kV, as declared or from the phase voltage (230 V → 0.4 kV). */
export function systemVoltageKv(m: MeterSpec): number {
  return m.nominalVoltageKv ?? Math.round((phaseVoltageV(m) * Math.sqrt(3)) / 10) / 100;
}

function allMachines(s: Scenario): MachineSpec[] {
  return s.workshops.flatMap((w) => w.lines.flatMap((l) => l.machines));
}

export function machineEquipment(s: Scenario, m: MachineSpec): Equipment {
  const derived: Equipment = { class: CLASS_OF_TYPE[m.type], standbyPowerKw: m.standbyKw };
  if (m.compressor) {
    const first = Math.min(...allMachines(s).flatMap((x) => (x.compressor ? [x.compressor.sequence] : [])));
    derived.role = m.compressor.sequence === first ? 'lead' : 'lag';
  }
  return { ...derived, ...(m.equipment ?? {}) };
}

export function meterEquipment(s: Scenario, m: MeterSpec): Equipment | undefined {
  const derived: Equipment = {};
  if (m.medium === 'electricity') derived.nominalVoltageKv = systemVoltageKv(m);
  const hasChildren = s.meters.some((c) => c.parent === m.id);
  if (m.medium === 'electricity' && m.loads.length === 1 && !hasChildren && !m.baseLoad) {
    const machine = allMachines(s).find((x) => x.id === m.loads[0]);
    if (machine) {
      const e = machineEquipment(s, machine);
      if (e.class) derived.class = e.class;
      if (e.role) derived.role = e.role;
    }
  }
  const out = { ...derived, ...(m.equipment ?? {}) };
  return Object.keys(out).length ? out : undefined;
}
