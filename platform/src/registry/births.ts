import type { Birth } from '@xiang/protocol';
import { ancestorPaths, levelForDepth } from './asset-tree.js';
import { type Db, immediate } from './db.js';
import { ensureFactoryRow } from './factories.js';
import { recordTransition } from './online.js';

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
};

/**
 * Applies a birth: factory row, asset tree (declared assets and the ancestors they imply), devices as
 * reported, the agent's metric table (union over births: indices are stable per agent, so a metric from an
 * older birth keeps decoding replayed data), online state, and the agent's current session.
 * One IMMEDIATE transaction, so a sibling instance sees either none or all of it.
 */
export function applyBirth(
  db: Db,
  factoryId: string,
  agentId: string,
  birth: Birth,
  nowMs: number,
): BirthResult {
  return immediate(db, () => {
    ensureFactoryRow(db, factoryId, nowMs);
    const agentRow = db
      .prepare('SELECT currentSessionId, birthAtMs FROM agents WHERE factoryId = ? AND agentId = ?')
      .get(factoryId, agentId) as { currentSessionId: string | null; birthAtMs: number | null } | undefined;
    const newSession = agentRow?.currentSessionId !== birth.sessionId;
    if (newSession && agentRow?.birthAtMs != null && agentRow.birthAtMs > birth.timestamp) {
      const add = db.prepare(
        `INSERT INTO metrics (factoryId, agentId, i, deviceId, key, def, updatedAtMs) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (factoryId, agentId, i) DO NOTHING`,
      );
      for (const m of birth.metrics)
        add.run(factoryId, agentId, m.i, m.deviceId, m.key, JSON.stringify(m), nowMs);
      return {
        stale: true,
        newSession: false,
        devices: 0,
        metrics: birth.metrics.length,
        redefinedIndices: [],
        absentDevices: [],
      };
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

    const upsertAsset = db.prepare(
      `INSERT INTO assets (factoryId, path, level, name, declared) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (factoryId, path) DO UPDATE SET
         level = CASE WHEN excluded.declared = 1 THEN excluded.level ELSE assets.level END,
         name = CASE WHEN excluded.declared = 1 THEN COALESCE(excluded.name, assets.name) ELSE assets.name END,
         declared = MAX(assets.declared, excluded.declared)`,
    );
    const implied = (path: string) => {
      for (const p of [...ancestorPaths(path), path]) {
        if (p !== '') upsertAsset.run(factoryId, p, levelForDepth(p.split('/').length), null, 0);
      }
    };
    for (const a of birth.assets) {
      for (const p of ancestorPaths(a.path))
        upsertAsset.run(factoryId, p, levelForDepth(p.split('/').length), null, 0);
      upsertAsset.run(factoryId, a.path, a.level, a.name ?? null, 1);
    }

    const atMs = birth.timestamp;
    const upsertDevice = db.prepare(
      `INSERT INTO devices (factoryId, id, agentId, kind, assetPath, name, medium, meterRole, parentMeter,
         ratedPowerKw, source, online, onlineSinceMs, onlineReason, firstSeenMs, lastSeenMs)
       VALUES (@factoryId, @id, @agentId, @kind, @assetPath, @name, @medium, @meterRole, @parentMeter,
         @ratedPowerKw, @source, 0, NULL, NULL, @nowMs, NULL)
       ON CONFLICT (factoryId, id) DO UPDATE SET agentId = excluded.agentId, kind = excluded.kind,
         assetPath = excluded.assetPath, name = COALESCE(excluded.name, devices.name), medium = excluded.medium,
         meterRole = excluded.meterRole, parentMeter = excluded.parentMeter,
         ratedPowerKw = excluded.ratedPowerKw, source = excluded.source`,
    );
    // A birth without a name (an agent config from `xiang-edge browse`) keeps the name an earlier birth gave.
    const born = new Set<string>();
    for (const d of birth.devices) {
      implied(d.assetPath);
      upsertDevice.run({
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
        nowMs,
      });
      born.add(d.id);
      recordTransition(db, factoryId, d.id, true, atMs, 'birth');
    }
    // A metric may name a device the birth did not list; keep it reachable in the registry.
    for (const m of birth.metrics) {
      if (born.has(m.deviceId)) continue;
      born.add(m.deviceId);
      upsertDevice.run({
        factoryId,
        id: m.deviceId,
        agentId,
        kind: 'other',
        assetPath: '',
        name: null,
        medium: null,
        meterRole: null,
        parentMeter: null,
        ratedPowerKw: null,
        source: null,
        nowMs,
      });
      recordTransition(db, factoryId, m.deviceId, true, atMs, 'birth');
    }
    const previous = db
      .prepare('SELECT id FROM devices WHERE factoryId = ? AND agentId = ? AND online = 1')
      .all(factoryId, agentId) as { id: string }[];
    const absentDevices = previous.map((r) => r.id).filter((id) => !born.has(id));
    for (const id of absentDevices) recordTransition(db, factoryId, id, false, atMs, 'absent from birth');

    const existing = new Map(
      (
        db
          .prepare('SELECT i, deviceId, key FROM metrics WHERE factoryId = ? AND agentId = ?')
          .all(factoryId, agentId) as {
          i: number;
          deviceId: string;
          key: string;
        }[]
      ).map((r) => [r.i, r]),
    );
    const upsertMetric = db.prepare(
      `INSERT INTO metrics (factoryId, agentId, i, deviceId, key, def, updatedAtMs) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (factoryId, agentId, i) DO UPDATE SET deviceId = excluded.deviceId, key = excluded.key,
         def = excluded.def, updatedAtMs = excluded.updatedAtMs`,
    );
    const redefinedIndices: number[] = [];
    for (const m of birth.metrics) {
      const old = existing.get(m.i);
      if (old && (old.deviceId !== m.deviceId || old.key !== m.key)) redefinedIndices.push(m.i);
      upsertMetric.run(factoryId, agentId, m.i, m.deviceId, m.key, JSON.stringify(m), nowMs);
    }
    return {
      stale: false,
      newSession,
      devices: birth.devices.length,
      metrics: birth.metrics.length,
      redefinedIndices,
      absentDevices,
    };
  });
}
