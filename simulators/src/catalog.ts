import {
  type Asset,
  type Datatype,
  type DeviceKind,
  type Equipment,
  type Medium,
  type MeterRole,
  type MetricKind,
  type Phase,
  type Quantity,
  quantityKinds,
  quantityUnits,
} from '@xiang/protocol';
import { machineEquipment, meterEquipment, phaseVoltageV } from './scenario/equipment.js';
import type { MachineSpec, MeterSpec, Scenario } from './scenario/schema.js';

/**
 * The device/metric catalog of a scenario: every variable the simulators expose, with the metadata an agent
 * announces in its birth. The OPC UA address space, the MQTT payloads, the backfill births and the README's
 * NodeId table are all built from this one list, so they cannot disagree.
 */
export type MetricDef = {
  /** Stable index (order of the catalog); backfill births use it as the metric index. */
  index: number;
  deviceId: string;
  key: string;
  quantity: Quantity;
  kind: MetricKind;
  datatype: Datatype;
  unit: string;
  phase?: Phase;
  /** Engineering range for AnalogItemType EURange. */
  euRange: [number, number];
  /** Counter register wrap value (announced in the birth for rollover detection). */
  rolloverAt?: number;
  description: string;
};

export type DeviceDef = {
  id: string;
  kind: DeviceKind;
  assetPath: string;
  name: string;
  nameEn?: string;
  medium?: Medium;
  meterRole?: MeterRole;
  parentMeter?: string;
  ratedPowerKw?: number;
  /** Declared equipment (class, role, nominal voltage, standby…), as the birth announces it. */
  equipment?: Equipment;
  /** Meters: machines measured directly. */
  measures?: string[];
  transport: 'opcua' | 'mqtt';
  /** Machine type or sensor kind, for the browse tree. */
  type: string;
  metrics: MetricDef[];
};

export type Catalog = {
  factoryId: string;
  assets: Asset[];
  devices: DeviceDef[];
  metrics: MetricDef[];
  device(id: string): DeviceDef | undefined;
  metric(deviceId: string, key: string): MetricDef | undefined;
};

/** The namespace URI of the simulator's own nodes; NodeIds are `ns=<index of this URI>;s=<deviceId>.<key>`. */
export const SIM_NAMESPACE_URI = 'urn:xiang-iiot:simulator';

export function nodeIdString(deviceId: string, key: string, nsIndex = 1): string {
  return `ns=${nsIndex};s=${deviceId}.${key}`;
}

export const PHASES: Phase[] = ['L1', 'L2', 'L3'];

/** Counter quantity of a medium's meter: kWh for electricity, m³ for gases, t for water and steam. */
export function counterQuantity(medium: Medium): Quantity {
  if (medium === 'electricity') return 'activeEnergyImport';
  if (medium === 'water' || medium === 'steam') return 'mass';
  return 'volume';
}
export function counterKey(medium: Medium): string {
  if (medium === 'electricity') return 'energyImport';
  return counterQuantity(medium) === 'mass' ? 'mass' : 'volume';
}

type Spec = Omit<MetricDef, 'index' | 'deviceId' | 'kind' | 'unit' | 'datatype'> & { datatype?: Datatype };

function electricMetrics(m: MeterSpec, capacityKw: number): Spec[] {
  const phaseV = phaseVoltageV(m);
  const vMax = Math.ceil(phaseV * 1.5);
  const iMax = Math.ceil(((capacityKw * 1.5) / 3 / phaseV) * 1000);
  const pMax = Math.ceil(capacityKw * 1.5);
  const out: Spec[] = [];
  for (const ph of PHASES) {
    out.push({
      key: `voltage.${ph}`,
      quantity: 'voltage',
      phase: ph,
      euRange: [0, vMax],
      description: `相电压 ${ph} / phase voltage ${ph}`,
    });
  }
  for (const ph of PHASES) {
    out.push({
      key: `current.${ph}`,
      quantity: 'current',
      phase: ph,
      euRange: [0, iMax],
      description: `电流 ${ph} / current ${ph}`,
    });
  }
  out.push({
    key: 'activePower',
    quantity: 'activePower',
    euRange: [0, pMax],
    description: '总有功功率 / total active power',
  });
  for (const ph of PHASES) {
    out.push({
      key: `activePower.${ph}`,
      quantity: 'activePower',
      phase: ph,
      euRange: [0, pMax],
      description: `有功功率 ${ph} / active power ${ph}`,
    });
  }
  out.push(
    {
      key: 'reactivePower',
      quantity: 'reactivePower',
      euRange: [0, pMax],
      description: '总无功功率 / total reactive power',
    },
    { key: 'powerFactor', quantity: 'powerFactor', euRange: [0, 1], description: '功率因数 / power factor' },
    { key: 'frequency', quantity: 'frequency', euRange: [45, 55], description: '频率 / frequency' },
    {
      key: 'voltageThd',
      quantity: 'voltageThd',
      euRange: [0, 100],
      description: '电压总谐波畸变率 / voltage THD',
    },
    {
      key: 'voltageUnbalance',
      quantity: 'voltageUnbalance',
      euRange: [0, 100],
      description: '电压不平衡度 / voltage unbalance',
    },
    {
      key: 'energyImport',
      quantity: 'activeEnergyImport',
      euRange: [0, 1e9],
      description: '正向有功电能 / active energy import',
    },
    {
      key: 'reactiveEnergyImport',
      quantity: 'reactiveEnergyImport',
      euRange: [0, 1e9],
      description: '正向无功电能 / reactive energy import',
    },
    {
      key: 'demand15',
      quantity: 'demand15',
      euRange: [0, pMax],
      description: '15 分钟需量 / 15-min block demand',
    },
  );
  return out;
}

function utilityMetrics(m: MeterSpec, maxFlow: number): Spec[] {
  const q = counterQuantity(m.medium);
  return [
    {
      key: counterKey(m.medium),
      quantity: q,
      euRange: [0, 1e9],
      description: `累计用量 / ${m.medium} counter`,
    },
    {
      key: 'flow',
      quantity: q === 'mass' ? 'massFlow' : 'volumeFlow',
      euRange: [0, Math.ceil(Math.max(1, maxFlow) * 1.5)],
      description: `瞬时流量 / ${m.medium} flow`,
    },
  ];
}

function machineMetrics(m: MachineSpec): Spec[] {
  const out: Spec[] = [
    {
      key: 'state',
      quantity: 'machineState',
      datatype: 'int',
      euRange: [0, 3],
      description: '设备状态 (OPC 40001-1 MachineryItemState)',
    },
    {
      key: 'operationMode',
      quantity: 'operationMode',
      datatype: 'int',
      euRange: [0, 3],
      description: '运行模式 (OPC 40001-1 MachineryOperationMode)',
    },
  ];
  if (m.idealCycleTimeS === undefined) return out;
  out.push(
    {
      key: 'goodCount',
      quantity: 'goodCount',
      datatype: 'int',
      euRange: [0, 4294967295],
      description: '合格品计数 / good parts',
    },
    {
      key: 'rejectCount',
      quantity: 'rejectCount',
      datatype: 'int',
      euRange: [0, 4294967295],
      description: '不合格品计数 / rejected parts',
    },
    {
      key: 'idealCycleTime',
      quantity: 'idealCycleTime',
      euRange: [0, Math.ceil(m.idealCycleTimeS * 10)],
      description: '理想节拍 / ideal cycle time',
    },
    {
      key: 'currentProduct',
      quantity: 'currentProduct',
      datatype: 'string',
      euRange: [0, 0],
      description: '当前产品 / current product',
    },
  );
  return out;
}

/** Capacity used for EU ranges: declared ratedKw, else the sum of the rated power below the meter. */
export function meterCapacities(s: Scenario): Map<string, number> {
  const rated = new Map<string, number>();
  for (const ws of s.workshops)
    for (const l of ws.lines) for (const m of l.machines) rated.set(m.id, m.ratedKw);
  const out = new Map<string, number>();
  const visit = (id: string, depth: number): number => {
    const cached = out.get(id);
    if (cached !== undefined) return cached;
    const m = s.meters.find((x) => x.id === id);
    if (!m || depth > 100) return 0;
    let kw = m.loads.reduce((sum, l) => sum + (rated.get(l) ?? 0), 0) + (m.baseLoad?.productionKw ?? 0);
    for (const c of s.meters) if (c.parent === id) kw += visit(c.id, depth + 1);
    const cap = m.ratedKw ?? Math.max(1, kw);
    out.set(id, cap);
    return cap;
  };
  for (const m of s.meters) visit(m.id, 0);
  return out;
}

export function buildCatalog(s: Scenario, utilityMaxFlow: (meterId: string) => number = () => 100): Catalog {
  const devices: DeviceDef[] = [];
  const metrics: MetricDef[] = [];
  const assets: Asset[] = [];
  const add = (dev: Omit<DeviceDef, 'metrics'>, specs: Spec[]) => {
    const defs = specs.map((sp) => {
      const def: MetricDef = {
        ...sp,
        index: metrics.length,
        deviceId: dev.id,
        kind: quantityKinds[sp.quantity],
        unit: quantityUnits[sp.quantity],
        datatype: sp.datatype ?? 'double',
      };
      metrics.push(def);
      return def;
    });
    devices.push({ ...dev, metrics: defs });
  };
  const caps = meterCapacities(s);
  for (const m of s.meters) {
    const dev: Omit<DeviceDef, 'metrics'> = {
      id: m.id,
      kind: 'meter',
      assetPath: m.assetPath,
      name: m.name,
      medium: m.medium,
      meterRole: m.role,
      transport: m.transport,
      type: m.medium,
      ...(m.nameEn ? { nameEn: m.nameEn } : {}),
      ...(m.parent ? { parentMeter: m.parent } : {}),
      ...(m.ratedKw ? { ratedPowerKw: m.ratedKw } : {}),
      ...(meterEquipment(s, m) ? { equipment: meterEquipment(s, m) } : {}),
      ...(m.loads.length ? { measures: m.loads } : {}),
    };
    const specs =
      m.medium === 'electricity'
        ? electricMetrics(m, caps.get(m.id) ?? 1)
        : utilityMetrics(m, utilityMaxFlow(m.id));
    const counter = counterKey(m.medium);
    add(
      dev,
      m.rolloverAt
        ? specs.map((sp) => (sp.key === counter ? { ...sp, rolloverAt: m.rolloverAt } : sp))
        : specs,
    );
  }
  for (const ws of s.workshops) {
    assets.push({ path: ws.id, level: 'workshop', name: ws.name });
    for (const line of ws.lines) {
      assets.push({ path: `${ws.id}/${line.id}`, level: 'line', name: line.name });
      for (const mc of line.machines) {
        const path = `${ws.id}/${line.id}/${mc.id}`;
        assets.push({ path, level: 'station', name: mc.name ?? mc.id });
        add(
          {
            id: mc.id,
            kind: 'machine',
            assetPath: path,
            name: mc.name ?? mc.id,
            ratedPowerKw: mc.ratedKw,
            equipment: machineEquipment(s, mc),
            transport: 'opcua',
            type: mc.type,
          },
          machineMetrics(mc),
        );
      }
    }
  }
  for (const se of s.sensors) {
    add(
      { id: se.id, kind: 'sensor', assetPath: se.assetPath, name: se.name, transport: 'mqtt', type: se.kind },
      [
        {
          key: 'temperature',
          quantity: 'temperature',
          euRange: [-40, 80],
          description: '温度 / temperature',
        },
        {
          key: 'humidity',
          quantity: 'humidity',
          euRange: [0, 100],
          description: '相对湿度 / relative humidity',
        },
      ],
    );
  }
  const byDevice = new Map(devices.map((d) => [d.id, d]));
  const byKey = new Map(metrics.map((m) => [`${m.deviceId}\u0000${m.key}`, m]));
  return {
    factoryId: s.factory.id,
    assets,
    devices,
    metrics,
    device: (id) => byDevice.get(id),
    metric: (deviceId, key) => byKey.get(`${deviceId}\u0000${key}`),
  };
}
