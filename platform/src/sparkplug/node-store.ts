import type { Db } from '../repository/index.js';
import type { NodeSnapshot } from './node-state.js';

type Row = { groupId: string; edgeNodeId: string; sessionId: string; lastSeq: number; snapshot: string };

/**
 * Each edge node's Sparkplug session (bdSeq, last seq, the metrics and aliases of its NBIRTH and of every
 * device born since) in the platform repository, so that a platform restart does not lose it: the node's
 * DDATA by alias goes on being stored without a rebirth. One row per agent (factory + agent id), written when a
 * birth or death changes the definitions and, for the seq, once per handled batch; the current platform
 * session of the agent (registry) decides whether a row still applies when it is read back.
 */
export class NodeStateStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS sparkplug_nodes (
      factoryId TEXT NOT NULL,
      agentId TEXT NOT NULL,
      groupId TEXT NOT NULL,
      edgeNodeId TEXT NOT NULL,
      sessionId TEXT NOT NULL,
      lastSeq INTEGER NOT NULL,
      snapshot TEXT NOT NULL,
      updatedAtMs INTEGER NOT NULL,
      PRIMARY KEY (factoryId, agentId)
    )`);
  }

  /** The stored session of the agent when it was written by this group and edge node. */
  get(f: string, a: string, groupId: string, edgeNodeId: string): NodeSnapshot | undefined {
    const r = this.db
      .prepare(
        `SELECT groupId, edgeNodeId, sessionId, lastSeq, snapshot FROM sparkplug_nodes
         WHERE factoryId = ? AND agentId = ?`,
      )
      .get(f, a) as Row | undefined;
    if (!r || r.groupId !== groupId || r.edgeNodeId !== edgeNodeId) return undefined;
    const s = JSON.parse(r.snapshot) as NodeSnapshot;
    return { ...s, sessionId: r.sessionId, lastSeq: r.lastSeq };
  }

  /** Writes the whole session (after a birth or a device death). */
  put(f: string, a: string, s: NodeSnapshot, nowMs: number): void {
    this.db
      .prepare(
        `INSERT INTO sparkplug_nodes (factoryId, agentId, groupId, edgeNodeId, sessionId, lastSeq, snapshot,
           updatedAtMs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (factoryId, agentId) DO UPDATE SET groupId = excluded.groupId,
           edgeNodeId = excluded.edgeNodeId, sessionId = excluded.sessionId, lastSeq = excluded.lastSeq,
           snapshot = excluded.snapshot, updatedAtMs = excluded.updatedAtMs`,
      )
      .run(f, a, s.groupId, s.edgeNodeId, s.sessionId, s.lastSeq, JSON.stringify(s), nowMs);
  }

  /** The last seq of the node's session (once per batch: cheap, the definitions are not rewritten). */
  putSeq(f: string, a: string, sessionId: string, lastSeq: number, nowMs: number): void {
    this.db
      .prepare(
        `UPDATE sparkplug_nodes SET lastSeq = ?, updatedAtMs = ?
         WHERE factoryId = ? AND agentId = ? AND sessionId = ?`,
      )
      .run(lastSeq, nowMs, f, a, sessionId);
  }

  /** The node died (NDEATH of its current session): nothing of it applies any more. */
  delete(f: string, a: string): void {
    this.db.prepare('DELETE FROM sparkplug_nodes WHERE factoryId = ? AND agentId = ?').run(f, a);
  }
}
