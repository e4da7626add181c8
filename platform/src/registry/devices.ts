import type { DeviceKind, Equipment, Medium, MeterRole } from '@xiang/protocol';
import type { Db } from './db.js';
import type { RegistryDevice } from './model.js';
import {
  type DeviceOverridePatch,
  type DeviceOverrides,
  effectiveEquipment,
  mergeOverridePatch,
} from './overrides.js';

type DeviceRow = {
  factoryId: string;
  id: string;
  agentId: string;
  kind: DeviceKind;
  assetPath: string;
  name: string | null;
  medium: Medium | null;
  meterRole: MeterRole | null;
  parentMeter: string | null;
  ratedPowerKw: number | null;
  source: string | null;
  equipment: string | null;
  measures: string | null;
  online: number;
  onlineSinceMs: number | null;
  onlineReason: string | null;
  firstSeenMs: number;
  lastSeenMs: number | null;
  overrides: string | null;
};

/** A device as the API shows it: the effective registry device plus where its facts came from. */
export type DeviceView = RegistryDevice & {
  onlineSinceMs: number | null;
  onlineReason: string | null;
  /** Fields a person has overridden (they win over later births). */
  overridden: string[];
};

const SELECT = `SELECT d.*, o.fields AS overrides FROM devices d
  LEFT JOIN device_overrides o ON o.factoryId = d.factoryId AND o.deviceId = d.id`;

function effective(r: DeviceRow): DeviceView {
  const o: DeviceOverrides = r.overrides ? JSON.parse(r.overrides) : {};
  const kind = o.kind ?? r.kind;
  const parentMeter = o.parentMeter !== undefined ? o.parentMeter || undefined : (r.parentMeter ?? undefined);
  const meterRole = o.meterRole ?? r.meterRole ?? undefined;
  const d: DeviceView = {
    factoryId: r.factoryId,
    id: r.id,
    agentId: r.agentId,
    kind,
    assetPath: o.assetPath ?? r.assetPath,
    // Production equipment by default = machines; a person can say otherwise.
    production: o.production ?? kind === 'machine',
    online: r.online === 1,
    firstSeenMs: r.firstSeenMs,
    lastSeenMs: r.lastSeenMs,
    onlineSinceMs: r.onlineSinceMs,
    onlineReason: r.onlineReason,
    overridden: Object.keys(o)
      .flatMap((k) => (k === 'equipment' ? Object.keys(o.equipment ?? {}).map((f) => `equipment.${f}`) : [k]))
      .sort(),
  };
  const name = o.name ?? r.name;
  if (name) d.name = name;
  const medium = o.medium ?? r.medium;
  if (medium) d.medium = medium;
  if (meterRole) d.meterRole = meterRole;
  // A main incomer has no upstream meter, whatever the agent config says.
  if (parentMeter && meterRole !== 'mainIncomer') d.parentMeter = parentMeter;
  const rated = o.ratedPowerKw ?? r.ratedPowerKw;
  if (rated !== null && rated !== undefined) d.ratedPowerKw = rated;
  if (o.standbyPowerKw !== undefined) d.standbyPowerKw = o.standbyPowerKw;
  if (o.idlePowerKw !== undefined) d.idlePowerKw = o.idlePowerKw;
  const equipment = effectiveEquipment(
    r.equipment ? (JSON.parse(r.equipment) as Equipment) : undefined,
    o.equipment,
  );
  if (equipment) d.equipment = equipment;
  // Standby power: a person's entry, else what the device declared.
  if (d.standbyPowerKw === undefined && equipment?.standbyPowerKw !== undefined)
    d.standbyPowerKw = equipment.standbyPowerKw;
  const measures = o.measures ?? (r.measures ? (JSON.parse(r.measures) as string[]) : undefined);
  if (measures) d.measures = measures;
  return d;
}

export function listDevices(db: Db, factoryId: string): DeviceView[] {
  const rows = db.prepare(`${SELECT} WHERE d.factoryId = ? ORDER BY d.id`).all(factoryId) as DeviceRow[];
  return rows.map(effective);
}

export function getDevice(db: Db, factoryId: string, deviceId: string): DeviceView | undefined {
  const row = db.prepare(`${SELECT} WHERE d.factoryId = ? AND d.id = ?`).get(factoryId, deviceId) as
    | DeviceRow
    | undefined;
  return row ? effective(row) : undefined;
}

/** Applies a person's corrections; returns the effective device, or undefined when the device is unknown. */
export function patchDeviceOverrides(
  db: Db,
  factoryId: string,
  deviceId: string,
  patch: DeviceOverridePatch,
  nowMs: number,
): DeviceView | undefined {
  return db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM devices WHERE factoryId = ? AND id = ?').get(factoryId, deviceId))
      return undefined;
    const row = db
      .prepare('SELECT fields FROM device_overrides WHERE factoryId = ? AND deviceId = ?')
      .get(factoryId, deviceId) as { fields: string } | undefined;
    const next = mergeOverridePatch(row ? JSON.parse(row.fields) : {}, patch);
    if (Object.keys(next).length === 0) {
      db.prepare('DELETE FROM device_overrides WHERE factoryId = ? AND deviceId = ?').run(
        factoryId,
        deviceId,
      );
    } else {
      db.prepare(
        `INSERT INTO device_overrides (factoryId, deviceId, fields, updatedAtMs) VALUES (?, ?, ?, ?)
         ON CONFLICT (factoryId, deviceId) DO UPDATE SET fields = excluded.fields, updatedAtMs = excluded.updatedAtMs`,
      ).run(factoryId, deviceId, JSON.stringify(next), nowMs);
    }
    return getDevice(db, factoryId, deviceId);
  })();
}

/** Moves each device's last-seen time forward (never back: replayed history is older than live data). */
export function touchDevices(db: Db, factoryId: string, lastSeen: Map<string, number>): void {
  const stmt = db.prepare(
    'UPDATE devices SET lastSeenMs = MAX(COALESCE(lastSeenMs, 0), ?) WHERE factoryId = ? AND id = ?',
  );
  for (const [deviceId, ms] of lastSeen) stmt.run(ms, factoryId, deviceId);
}
