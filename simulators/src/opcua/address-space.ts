import { MachineryItemState, MachineryOperationMode } from '@xiang/protocol';
import {
  DataType,
  getStatusCodeFromCode,
  type Namespace,
  type StatusCode,
  type UAObject,
  type UAVariable,
  Variant,
} from 'node-opcua';
import type { Catalog, DeviceDef, MetricDef } from '../catalog.js';
import type { Snapshot } from '../physics/snapshot.js';
import { phaseVoltageV } from '../scenario/equipment.js';
import type { Scenario } from '../scenario/schema.js';
import { engineeringUnits } from './units.js';

/**
 * Builds the simulator's address space (see simulators/README.md "Address space"):
 *   Objects/<factoryId>/Workshops/<WS>/Lines/<L>/Machines/<machineId>/<metric>
 *   Objects/<factoryId>/Meters/<meterId>/<metric>
 * Every metric variable has NodeId `ns=<n>;s=<deviceId>.<metricKey>`; device metadata are properties
 * `s=<deviceId>.<Property>` (DeviceKind, AssetPath, Medium, MeterRole, ParentMeter, RatedPowerKw, …).
 */
export type VariableBinding = { def: MetricDef; variable: UAVariable; dataType: DataType };

const dataTypeOf = (d: MetricDef): DataType =>
  d.datatype === 'int' ? DataType.UInt32 : d.datatype === 'string' ? DataType.String : DataType.Double;

function prop(
  ns: Namespace,
  owner: UAObject,
  deviceOrAsset: string,
  name: string,
  value: string | number,
): void {
  const isNum = typeof value === 'number';
  ns.addVariable({
    propertyOf: owner,
    browseName: name,
    nodeId: `s=${deviceOrAsset}.${name}`,
    dataType: isNum ? 'Double' : 'String',
    value: { dataType: isNum ? DataType.Double : DataType.String, value },
    minimumSamplingInterval: 0,
  });
}

function addMetric(ns: Namespace, owner: UAObject, d: MetricDef): UAVariable {
  const common = {
    componentOf: owner,
    browseName: d.key,
    nodeId: `s=${d.deviceId}.${d.key}`,
    description: d.description,
    // 0 = the value changes only when the simulator writes it: items sampled at 0 get every change.
    minimumSamplingInterval: 0,
  };
  if (d.quantity === 'machineState' || d.quantity === 'operationMode') {
    const enumValues = d.quantity === 'machineState' ? MachineryItemState : MachineryOperationMode;
    return ns.addMultiStateValueDiscrete({
      ...common,
      enumValues: { ...enumValues },
      value: 0,
    }) as unknown as UAVariable;
  }
  if (d.datatype === 'double') {
    const eu = engineeringUnits(d.unit);
    return ns.addAnalogDataItem({
      ...common,
      dataType: 'Double',
      engineeringUnitsRange: { low: d.euRange[0], high: d.euRange[1] },
      ...(eu ? { engineeringUnits: eu } : {}),
      value: { dataType: DataType.Double, value: 0 },
    }) as unknown as UAVariable;
  }
  return ns.addVariable({
    ...common,
    dataType: d.datatype === 'int' ? 'UInt32' : 'String',
    value:
      d.datatype === 'int'
        ? { dataType: DataType.UInt32, value: 0 }
        : { dataType: DataType.String, value: '' },
  });
}

function addDevice(
  ns: Namespace,
  parent: UAObject,
  dev: DeviceDef,
  nominalVoltageV?: number,
): VariableBinding[] {
  const obj = ns.addObject({
    organizedBy: parent,
    browseName: dev.id,
    nodeId: `s=${dev.id}`,
    displayName: `${dev.id} ${dev.name}`,
  });
  prop(ns, obj, dev.id, 'DeviceKind', dev.kind);
  prop(ns, obj, dev.id, 'DeviceType', dev.type);
  prop(ns, obj, dev.id, 'AssetPath', dev.assetPath);
  prop(ns, obj, dev.id, 'Name', dev.name);
  if (dev.nameEn) prop(ns, obj, dev.id, 'NameEn', dev.nameEn);
  if (dev.medium) prop(ns, obj, dev.id, 'Medium', dev.medium);
  if (dev.meterRole) prop(ns, obj, dev.id, 'MeterRole', dev.meterRole);
  if (dev.parentMeter) prop(ns, obj, dev.id, 'ParentMeter', dev.parentMeter);
  if (dev.ratedPowerKw !== undefined) prop(ns, obj, dev.id, 'RatedPowerKw', dev.ratedPowerKw);
  if (nominalVoltageV !== undefined) prop(ns, obj, dev.id, 'NominalVoltageV', nominalVoltageV);
  return dev.metrics.map((def) => ({ def, variable: addMetric(ns, obj, def), dataType: dataTypeOf(def) }));
}

/** A FolderType object as a component of any object (addFolder only accepts folders as parents). */
function folder(ns: Namespace, parent: UAObject, browseName: string, nodeId: string): UAObject {
  return ns.addObject({
    componentOf: parent,
    browseName,
    nodeId: `s=${nodeId}`,
    typeDefinition: 'FolderType',
  });
}

export function buildAddressSpace(
  ns: Namespace,
  objectsFolder: UAObject,
  scenario: Scenario,
  catalog: Catalog,
): VariableBinding[] {
  const f = scenario.factory;
  const factory = ns.addObject({
    organizedBy: objectsFolder,
    browseName: f.id,
    nodeId: `s=${f.id}`,
    displayName: f.name,
  });
  prop(ns, factory, f.id, 'Name', f.name);
  if (f.nameEn) prop(ns, factory, f.id, 'NameEn', f.nameEn);
  prop(ns, factory, f.id, 'Industry', f.industry);
  prop(ns, factory, f.id, 'UtcOffsetMinutes', f.utcOffsetMinutes);
  const bindings: VariableBinding[] = [];
  const workshops = folder(ns, factory, 'Workshops', `${f.id}.Workshops`);
  for (const ws of scenario.workshops) {
    const wsObj = ns.addObject({
      organizedBy: workshops,
      browseName: ws.id,
      nodeId: `s=asset/${ws.id}`,
      displayName: ws.name,
    });
    prop(ns, wsObj, `asset/${ws.id}`, 'AssetPath', ws.id);
    const lines = folder(ns, wsObj, 'Lines', `asset/${ws.id}.Lines`);
    for (const line of ws.lines) {
      const path = `${ws.id}/${line.id}`;
      const lineObj = ns.addObject({
        organizedBy: lines,
        browseName: line.id,
        nodeId: `s=asset/${path}`,
        displayName: line.name,
      });
      prop(ns, lineObj, `asset/${path}`, 'AssetPath', path);
      const machines = folder(ns, lineObj, 'Machines', `asset/${path}.Machines`);
      for (const m of line.machines) {
        const dev = catalog.device(m.id);
        if (dev) bindings.push(...addDevice(ns, machines, dev));
      }
    }
  }
  const meters = folder(ns, factory, 'Meters', `${f.id}.Meters`);
  for (const m of scenario.meters) {
    const dev = catalog.device(m.id);
    if (dev && dev.transport === 'opcua')
      bindings.push(...addDevice(ns, meters, dev, m.medium === 'electricity' ? phaseVoltageV(m) : undefined));
  }
  return bindings;
}

const statusCache = new Map<number, StatusCode>();
function statusOf(code: number): StatusCode {
  let s = statusCache.get(code);
  if (!s) {
    s = getStatusCodeFromCode(code);
    statusCache.set(code, s);
  }
  return s;
}

/**
 * Writes one tick into the address space with sourceTimestamp = virtual tick time. Only changed values (or
 * statuses) are written: an unchanged value would not be reported to a subscription anyway (DataChangeTrigger
 * StatusValue), and a dropped-out device must stop updating. Returns how many variables were written.
 */
export class TickWriter {
  private readonly last: (number | string | undefined)[] = [];
  private readonly lastStatus: number[] = [];
  constructor(private readonly bindings: VariableBinding[]) {}

  write(snap: Snapshot): number {
    const ts = new Date(snap.timeMs);
    let n = 0;
    for (const b of this.bindings) {
      const i = b.def.index;
      const v = snap.values[i];
      const st = snap.status[i] ?? 0;
      if (v === undefined || (this.last[i] === v && this.lastStatus[i] === st)) continue;
      this.last[i] = v;
      this.lastStatus[i] = st;
      b.variable.setValueFromSource(new Variant({ dataType: b.dataType, value: v }), statusOf(st), ts);
      n++;
    }
    return n;
  }

  /** Forget what was written (a rebuilt address space must receive every value again). */
  reset(): void {
    this.last.length = 0;
    this.lastStatus.length = 0;
  }
}
