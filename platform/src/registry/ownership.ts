import type { Datatype, Status } from '@xiang/protocol';
import { deviceOwners } from './births.js';
import { type Db, immediate } from './db.js';
import { recordTransition } from './online.js';

/** What decoding needs per metric index: device, key, datatype, and whether the agent owns the device now. */
export type DecodeRef = { deviceId: string; key: string; datatype: Datatype; owned: boolean };

/**
 * Device ownership: a device belongs to the agent that first declared it in a birth, or to the one an admin
 * assigned it to. Only the owner's births change it, only the owner's status moves its online state, only
 * the owner's data is stored in its series. Also the counts ingest checks its limits against.
 */
export class Ownership {
  /** Bumped by every admin assignment, so cached decode tables of this process are reloaded. */
  version = 0;

  constructor(private readonly db: Db) {}

  owners(factoryId: string, ids: Iterable<string>): Map<string, string> {
    return deviceOwners(this.db, factoryId, ids);
  }

  /** Admin: hands a device to another agent of its factory; false when the device is unknown. */
  assign(factoryId: string, deviceId: string, agentId: string): boolean {
    const changed =
      this.db
        .prepare('UPDATE devices SET agentId = ? WHERE factoryId = ? AND id = ?')
        .run(agentId, factoryId, deviceId).changes > 0;
    if (changed) this.version++;
    return changed;
  }

  /** Devices of a factory, or of one agent of it. */
  countDevices(factoryId: string, agentId?: string): number {
    const r = (
      agentId === undefined
        ? this.db.prepare('SELECT COUNT(*) AS n FROM devices WHERE factoryId = ?').get(factoryId)
        : this.db
            .prepare('SELECT COUNT(*) AS n FROM devices WHERE factoryId = ? AND agentId = ?')
            .get(factoryId, agentId)
    ) as { n: number };
    return r.n;
  }

  countAgents(factoryId: string): number {
    const r = this.db.prepare('SELECT COUNT(*) AS n FROM agents WHERE factoryId = ?').get(factoryId);
    return (r as { n: number }).n;
  }

  /**
   * Admin: registers an agent of the factory before its first birth (a row without session, offline), so
   * that with `ingest.autoRegisterAgents: false` its messages are accepted. False when it exists already.
   */
  register(factoryId: string, agentId: string): boolean {
    return (
      this.db
        .prepare('INSERT INTO agents (factoryId, agentId, online) VALUES (?, ?, 0) ON CONFLICT DO NOTHING')
        .run(factoryId, agentId).changes > 0
    );
  }

  hasAgent(factoryId: string, agentId: string): boolean {
    const r = this.db
      .prepare('SELECT 1 FROM agents WHERE factoryId = ? AND agentId = ?')
      .get(factoryId, agentId);
    return r !== undefined;
  }

  /** Metric indices the agent's births have declared so far. */
  knownIndices(factoryId: string, agentId: string): Set<number> {
    const rows = this.db
      .prepare('SELECT i FROM metrics WHERE factoryId = ? AND agentId = ?')
      .all(factoryId, agentId) as { i: number }[];
    return new Set(rows.map((r) => r.i));
  }

  /** The agent's metric table for decoding, with ownership of each metric's device. */
  decodeTable(factoryId: string, agentId: string): Map<number, DecodeRef> {
    const rows = this.db
      .prepare(
        `SELECT m.i, m.deviceId, m.key, json_extract(m.def, '$.datatype') AS datatype, d.agentId AS owner
         FROM metrics m LEFT JOIN devices d ON d.factoryId = m.factoryId AND d.id = m.deviceId
         WHERE m.factoryId = ? AND m.agentId = ?`,
      )
      .all(factoryId, agentId) as (Omit<DecodeRef, 'owned'> & { i: number; owner: string | null })[];
    const out = new Map<number, DecodeRef>();
    for (const r of rows)
      out.set(r.i, { deviceId: r.deviceId, key: r.key, datatype: r.datatype, owned: r.owner === agentId });
    return out;
  }
}

/** Status entries move the online state of the agent's own devices only; the rest are returned as refused. */
export function applyStatus(
  db: Db,
  factoryId: string,
  agentId: string,
  status: Status,
): { changes: number; refused: string[] } {
  return immediate(db, () => {
    let changes = 0;
    const owners = deviceOwners(
      db,
      factoryId,
      status.devices.map((d) => d.id),
    );
    const refused: string[] = [];
    for (const d of status.devices) {
      if (owners.get(d.id) !== agentId) {
        refused.push(d.id);
        continue;
      }
      const reason = d.reason ?? (d.online ? 'status: online' : 'status: offline');
      if (recordTransition(db, factoryId, d.id, d.online, status.timestamp, reason)) changes++;
    }
    db.prepare('UPDATE agents SET lastMessageAtMs = ? WHERE factoryId = ? AND agentId = ?').run(
      status.timestamp,
      factoryId,
      agentId,
    );
    return { changes, refused };
  });
}
