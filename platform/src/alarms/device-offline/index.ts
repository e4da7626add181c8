import type { AlarmKind, Condition } from '../types.js';

/**
 * 设备离线 — a device its agent reports offline (status, or the agent's death) for at least `minMinutes`.
 * Meters are major (consumption becomes unknown), other devices warnings.
 */
export const deviceOffline: AlarmKind = {
  id: 'deviceOffline',
  async evaluate(ctx) {
    const t = ctx.thresholds.deviceOffline;
    if (!t.enabled) return [];
    const since = new Map<string, number>();
    // The snapshot's online history ends with each device's last transition.
    for (const h of ctx.snapshot.onlineHistory) since.set(h.deviceId, h.atMs);
    const out: Condition[] = [];
    for (const d of ctx.snapshot.devices) {
      if (d.online) continue;
      const from = since.get(d.id) ?? d.lastSeenMs ?? d.firstSeenMs;
      const minutes = (ctx.nowMs - from) / 60_000;
      if (minutes < t.minMinutes) continue;
      const name = d.name ?? d.id;
      out.push({
        key: d.id,
        deviceId: d.id,
        severity: d.kind === 'meter' ? 'major' : 'warning',
        value: minutes,
        threshold: t.minMinutes,
        unit: 'min',
        params: { device: name, kind: d.kind, durationMs: ctx.nowMs - from, sinceMs: from },
        summary: `${name}: offline for ${minutes.toFixed(0)} min`,
      });
    }
    return out;
  },
};
