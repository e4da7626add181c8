import type { Db } from './db.js';
import type { OnlineTransition } from './model.js';

/**
 * Sets a device's online state and appends to its online history when the state changes (or when the device
 * has no state yet). Returns whether a transition was recorded. The history is what the equipment
 * networking rate (设备联网率) is computed from, so only real changes are written.
 */
export function recordTransition(
  db: Db,
  factoryId: string,
  deviceId: string,
  online: boolean,
  atMs: number,
  reason: string,
): boolean {
  return transitionRecorder(db)(factoryId, deviceId, online, atMs, reason);
}

/** recordTransition with its statements prepared once, for loops over many devices (a birth). */
export function transitionRecorder(db: Db) {
  const get = db.prepare('SELECT online, onlineSinceMs FROM devices WHERE factoryId = ? AND id = ?');
  const set = db.prepare(
    'UPDATE devices SET online = ?, onlineSinceMs = ?, onlineReason = ? WHERE factoryId = ? AND id = ?',
  );
  const log = db.prepare(
    'INSERT INTO online_history (factoryId, deviceId, atMs, online, reason) VALUES (?, ?, ?, ?, ?)',
  );
  return (factoryId: string, deviceId: string, online: boolean, atMs: number, reason: string): boolean => {
    const row = get.get(factoryId, deviceId) as { online: number; onlineSinceMs: number | null } | undefined;
    if (!row) return false;
    const known = row.onlineSinceMs !== null;
    if (known && (row.online === 1) === online) return false;
    set.run(online ? 1 : 0, atMs, reason, factoryId, deviceId);
    log.run(factoryId, deviceId, atMs, online ? 1 : 0, reason);
    return true;
  };
}

export type OnlineHistoryQuery = { deviceId?: string; fromMs?: number; toMs?: number; limit?: number };

/** Transitions in time order (oldest first), optionally for one device and a time window. */
export function onlineHistory(db: Db, factoryId: string, q: OnlineHistoryQuery = {}): OnlineTransition[] {
  const where = ['factoryId = @factoryId'];
  const params: Record<string, string | number> = { factoryId, limit: q.limit ?? 1_000_000 };
  if (q.deviceId !== undefined) {
    where.push('deviceId = @deviceId');
    params.deviceId = q.deviceId;
  }
  if (q.fromMs !== undefined) {
    where.push('atMs >= @fromMs');
    params.fromMs = q.fromMs;
  }
  if (q.toMs !== undefined) {
    where.push('atMs < @toMs');
    params.toMs = q.toMs;
  }
  const rows = db
    .prepare(
      `SELECT factoryId, deviceId, atMs, online, reason FROM online_history WHERE ${where.join(' AND ')}
       ORDER BY atMs, seq LIMIT @limit`,
    )
    .all(params) as {
    factoryId: string;
    deviceId: string;
    atMs: number;
    online: number;
    reason: string;
  }[];
  return rows.map((r) => ({ ...r, online: r.online === 1 }));
}

/** Each device's latest transition before `atMs` — its state when a window starts. */
export function transitionsBefore(db: Db, factoryId: string, atMs: number): OnlineTransition[] {
  const rows = db
    .prepare(
      `SELECT h.factoryId, h.deviceId, h.atMs, h.online, h.reason FROM online_history h
       WHERE h.seq = (SELECT seq FROM online_history x WHERE x.factoryId = h.factoryId AND x.deviceId = h.deviceId
                      AND x.atMs < @atMs ORDER BY x.atMs DESC, x.seq DESC LIMIT 1)
         AND h.factoryId = @factoryId
       ORDER BY h.atMs, h.seq`,
    )
    .all({ factoryId, atMs }) as {
    factoryId: string;
    deviceId: string;
    atMs: number;
    online: number;
    reason: string;
  }[];
  return rows.map((r) => ({ ...r, online: r.online === 1 }));
}
