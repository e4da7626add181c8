import type { Birth, Device, Metric } from '@xiang/protocol';
import { ancestorPaths, levelForDepth } from './asset-tree.js';
import { type Db, immediate } from './db.js';
import { ensureFactoryRow } from './factories.js';
import { transitionRecorder } from './online.js';

export type BirthResult = {
  /**
   * true when a newer birth of this agent was already applied (an old birth delivered late, e.g. through a
   * sibling instance): only metric indices it adds are taken, nothing else changes.
   */
  stale: boolean;
  /** true when this birth starts a session the registry did not know yet (false for a redelivered birth). */
  newSession: boolean;
  devices: number;
  metrics: number;
  /** Indices whose device/key changed compared with an earlier birth (an agent that lost its index file). */
  redefinedIndices: number[];
  /** Devices of this agent that earlier births listed and this one does not (marked offline). */
  absentDevices: string[];
  /** Devices the birth names that belong to another agent of the factory: left as they are. */
  foreignDevices: { id: string; owner: string }[];
};

/** A birth older than the agent's current one (delivered late): it may only add metric indices. */
export function isStaleBirth(db: Db, factoryId: string, agentId: string, birth: Birth): boolean {
  const row = db
    .prepare('SELECT currentSessionId, birthAtMs FROM agents WHERE factoryId = ? AND agentId = ?')
    .get(factoryId, agentId) as { currentSessionId: string | null; birthAtMs: number | null } | undefined;
  return (
    row?.currentSessionId !== birth.sessionId && row?.birthAtMs != null && row.birthAtMs > birth.timestamp
  );
}

/**
 * Writes metric declarations of the agent (its table: union over births, keyed by the stable index). A
 * declaration names a device; whether the agent owns it is checked when data is decoded, so a declaration
 * can never write into another agent's device. `insertOnly` for stale births. Returns redefined indices.
 * Call inside a transaction; callers chunk large births to keep each transaction short.
 */
export function writeMetricDefs(
  db: Db,
  factoryId: string,
  agentId: string,
  metrics: readonly Metric[],
  nowMs: number,
  insertOnly = false,
): number[] {
  const write = metricDefWriter(db, factoryId, agentId, nowMs, insertOnly);
  return metrics.filter((m) => write(m)).map((m) => m.i);
}

/** writeMetricDefs one metric at a time, statements prepared once; returns whether the index was redefined. */
export function metricDefWriter(
  db: Db,
  factoryId: string,
  agentId: string,
  nowMs: number,
  insertOnly = false,
) {
  const old = db.prepare('SELECT deviceId, key FROM metrics WHERE factoryId = ? AND agentId = ? AND i = ?');
  const upsert = db.prepare(
    `INSERT INTO metrics (factoryId, agentId, i, deviceId, key, def, updatedAtMs) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (factoryId, agentId, i) DO ${
       insertOnly
         ? 'NOTHING'
         : 'UPDATE SET deviceId = excluded.deviceId, key = excluded.key, def = excluded.def, updatedAtMs = excluded.updatedAtMs'
     }`,
  );
  return (m: Metric): boolean => {
    const o = old.get(factoryId, agentId, m.i) as { deviceId: string; key: string } | undefined;
    upsert.run(factoryId, agentId, m.i, m.deviceId, m.key, JSON.stringify(m), nowMs);
    return !!o && !insertOnly && (o.deviceId !== m.deviceId || o.key !== m.key);
  };
}

/** Owners of the given devices in a factory (devices not yet known are absent from the map). */
export function deviceOwners(db: Db, factoryId: string, ids: Iterable<string>): Map<string, string> {
  const q = db.prepare('SELECT agentId FROM devices WHERE factoryId = ? AND id = ?');
  const out = new Map<string, string>();
  for (const id of ids) {
    const r = q.get(factoryId, id) as { agentId: string } | undefined;
    if (r) out.set(id, r.agentId);
  }
  return out;
}

/** Every device a birth names: its device list plus devices its metrics name that the list lacks. */
export function namedDevices(birth: Birth): Device[] {
  const named = new Map<string, Device>(birth.devices.map((d) => [d.id, d]));
  for (const m of birth.metrics)
    if (!named.has(m.deviceId)) named.set(m.deviceId, { id: m.deviceId, kind: 'other', assetPath: '' });
  return [...named.values()];
}

export type DevicesWritten = { born: string[]; foreign: { id: string; owner: string }[] };

/**
 * Writes the devices of a birth that the agent owns (a device belongs to the agent that first declared it,
 * or to the one an admin assigned): attributes as reported, online from the birth's time. Another agent's
 * device is left untouched and returned in `foreign`. Call inside a transaction; callers chunk large births.
 */
export function writeBirthDevices(
  db: Db,
  factoryId: string,
  agentId: string,
  devices: readonly Device[],
  birthTs: number,
): DevicesWritten {
  const write = birthDeviceWriter(db, factoryId, agentId, birthTs);
  const out: DevicesWritten = { born: [], foreign: [] };
  for (const d of devices) {
    const owner = write(d);
    if (owner === null) out.born.push(d.id);
    else out.foreign.push({ id: d.id, owner });
  }
  return out;
}

/** writeBirthDevices one device at a time, statements prepared once; returns null or the other owner. */
export function birthDeviceWriter(db: Db, factoryId: string, agentId: string, birthTs: number) {
  const owner = db.prepare('SELECT agentId FROM devices WHERE factoryId = ? AND id = ?');
  const upsert = deviceUpsert(db);
  const transition = transitionRecorder(db);
  return (d: Device): string | null => {
    const o = (owner.get(factoryId, d.id) as { agentId: string } | undefined)?.agentId;
    if (o !== undefined && o !== agentId) return o;
    upsert(factoryId, agentId, d, birthTs); // first seen = the birth's time: replayed history is graded like live
    transition(factoryId, d.id, true, birthTs, 'birth');
    return null;
  };
}

/**
 * Applies a birth: factory row, the agent's devices (writeBirthDevices, unless the caller wrote them in
 * chunks: `devicesWritten`), the asset tree (declared assets and the ancestors devices imply), the metric
 * table (unless `metricsWritten`), devices of the agent the birth no longer names (offline), and the agent's
 * current session. One IMMEDIATE transaction: what a sibling instance sees switch at once is the session.
 */
export function applyBirth(
  db: Db,
  factoryId: string,
  agentId: string,
  birth: Birth,
  nowMs: number,
  opts: { metricsWritten?: { redefinedIndices: number[] }; devicesWritten?: DevicesWritten } = {},
): BirthResult {
  return immediate(db, () => {
    ensureFactoryRow(db, factoryId, nowMs);
    const agentRow = db
      .prepare('SELECT currentSessionId FROM agents WHERE factoryId = ? AND agentId = ?')
      .get(factoryId, agentId) as { currentSessionId: string | null } | undefined;
    const newSession = agentRow?.currentSessionId !== birth.sessionId;
    const base = { devices: 0, metrics: birth.metrics.length, absentDevices: [], foreignDevices: [] };
    if (isStaleBirth(db, factoryId, agentId, birth)) {
      if (!opts.metricsWritten) writeMetricDefs(db, factoryId, agentId, birth.metrics, nowMs, true);
      return { ...base, stale: true, newSession: false, redefinedIndices: [] };
    }
    db.prepare(
      `INSERT INTO agents (factoryId, agentId, currentSessionId, birthAtMs, version, hostname, online, lastMessageAtMs)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?)
       ON CONFLICT (factoryId, agentId) DO UPDATE SET currentSessionId = excluded.currentSessionId,
         birthAtMs = excluded.birthAtMs, version = excluded.version, hostname = excluded.hostname,
         online = 1, lastMessageAtMs = excluded.lastMessageAtMs`,
    ).run(
      factoryId,
      agentId,
      birth.sessionId,
      birth.timestamp,
      birth.agent.version,
      birth.agent.hostname ?? null,
      nowMs,
    );

    const named = namedDevices(birth);
    const written = opts.devicesWritten ?? writeBirthDevices(db, factoryId, agentId, named, birth.timestamp);
    const born = new Set(written.born);
    const asset = assetUpsert(db);
    for (const a of birth.assets) asset(factoryId, a.path, a.level, a.name ?? null);
    const paths = new Set(named.filter((d) => born.has(d.id)).map((d) => d.assetPath));
    for (const path of paths) asset(factoryId, path, null, null);
    const previous = db
      .prepare('SELECT id FROM devices WHERE factoryId = ? AND agentId = ? AND online = 1')
      .all(factoryId, agentId) as { id: string }[];
    const absentDevices = previous.map((r) => r.id).filter((id) => !born.has(id));
    const transition = transitionRecorder(db);
    for (const id of absentDevices) transition(factoryId, id, false, birth.timestamp, 'absent from birth');

    const redefinedIndices =
      opts.metricsWritten?.redefinedIndices ?? writeMetricDefs(db, factoryId, agentId, birth.metrics, nowMs);
    return {
      ...base,
      stale: false,
      newSession,
      devices: born.size,
      redefinedIndices,
      absentDevices,
      foreignDevices: written.foreign,
    };
  });
}

/** A declared asset (level given) or one implied by a device path (level from depth, with its ancestors). */
function assetUpsert(db: Db) {
  const stmt = db.prepare(
    `INSERT INTO assets (factoryId, path, level, name, declared) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (factoryId, path) DO UPDATE SET
       level = CASE WHEN excluded.declared = 1 THEN excluded.level ELSE assets.level END,
       name = CASE WHEN excluded.declared = 1 THEN COALESCE(excluded.name, assets.name) ELSE assets.name END,
       declared = MAX(assets.declared, excluded.declared)`,
  );
  return (factoryId: string, path: string, level: string | null, name: string | null): void => {
    for (const p of ancestorPaths(path)) stmt.run(factoryId, p, levelForDepth(p.split('/').length), null, 0);
    if (path === '') return;
    if (level !== null) stmt.run(factoryId, path, level, name, 1);
    else stmt.run(factoryId, path, levelForDepth(path.split('/').length), null, 0);
  };
}

function deviceUpsert(db: Db) {
  const stmt = db.prepare(
    `INSERT INTO devices (factoryId, id, agentId, kind, assetPath, name, medium, meterRole, parentMeter,
       ratedPowerKw, source, equipment, measures, online, onlineSinceMs, onlineReason, firstSeenMs, lastSeenMs)
     VALUES (@factoryId, @id, @agentId, @kind, @assetPath, @name, @medium, @meterRole, @parentMeter,
       @ratedPowerKw, @source, @equipment, @measures, 0, NULL, NULL, @firstSeenMs, NULL)
     ON CONFLICT (factoryId, id) DO UPDATE SET kind = excluded.kind,
       assetPath = excluded.assetPath, name = COALESCE(excluded.name, devices.name), medium = excluded.medium,
       meterRole = excluded.meterRole, parentMeter = excluded.parentMeter,
       ratedPowerKw = excluded.ratedPowerKw, source = excluded.source, equipment = excluded.equipment,
       measures = excluded.measures
     WHERE devices.agentId = excluded.agentId`,
  );
  // A birth without a name (an agent config from `xiang-edge browse`) keeps the name an earlier birth gave.
  return (factoryId: string, agentId: string, d: Device, firstSeenMs: number): void => {
    stmt.run({
      factoryId,
      id: d.id,
      agentId,
      kind: d.kind,
      assetPath: d.assetPath,
      name: d.name ?? null,
      medium: d.medium ?? null,
      meterRole: d.meterRole ?? null,
      parentMeter: d.parentMeter ?? null,
      ratedPowerKw: d.ratedPowerKw ?? null,
      source: d.source ?? null,
      equipment: d.equipment ? JSON.stringify(d.equipment) : null,
      measures: d.measures ? JSON.stringify(d.measures) : null,
      firstSeenMs,
    });
  };
}
