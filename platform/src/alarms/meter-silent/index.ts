import type { AlarmKind, Condition } from '../types.js';

/**
 * 表计无数据 / 读数冻结 — a meter silent (no sample of any metric for `silentMin` while its agent reports it
 * online; an offline device is the device-offline alarm's), or frozen: its energy counter has not moved for
 * `frozenMin` while its power reads above `minPowerKw` — the counter should have advanced by power × time.
 */
export const meterSilent: AlarmKind = {
  id: 'meterSilent',
  async evaluate(ctx) {
    const t = ctx.thresholds.meterSilent;
    if (!t.enabled) return [];
    const out: Condition[] = [];
    const latest = await ctx.data.latest();
    const byDevice = new Map<string, number>();
    for (const l of latest) byDevice.set(l.deviceId, Math.max(byDevice.get(l.deviceId) ?? 0, l.tsMs));
    for (const d of ctx.snapshot.devices) {
      if (d.kind !== 'meter' || !d.online) continue;
      const name = d.name ?? d.id;
      const last = byDevice.get(d.id) ?? d.lastSeenMs ?? null;
      if (last !== null && ctx.nowMs - last >= t.silentMin * 60_000) {
        const minutes = (ctx.nowMs - last) / 60_000;
        out.push({
          key: `${d.id}:silent`,
          deviceId: d.id,
          severity: 'warning',
          value: minutes,
          threshold: t.silentMin,
          unit: 'min',
          params: { meter: name, variant: 'silent', minutes, sinceMs: last },
          summary: `${name}: no data for ${minutes.toFixed(0)} min`,
        });
        continue;
      }
      const counter = ctx.data.metric(d.id, 'activeEnergyImport');
      const power = ctx.data.metric(d.id, 'activePower');
      if (!counter || !power) continue;
      const c = latest.find((l) => l.deviceId === d.id && l.metric === counter.key);
      const p = latest.find((l) => l.deviceId === d.id && l.metric === power.key);
      if (!c || !p || p.value === null || p.value < t.minPowerKw) continue;
      const still = ctx.nowMs - c.tsMs;
      if (still < t.frozenMin * 60_000) continue;
      const minutes = still / 60_000;
      out.push({
        key: `${d.id}:frozen`,
        deviceId: d.id,
        severity: 'major',
        value: minutes,
        threshold: t.frozenMin,
        unit: 'min',
        params: { meter: name, variant: 'frozen', minutes, kw: p.value, reading: c.value, sinceMs: c.tsMs },
        summary: `${name}: energy counter unchanged for ${minutes.toFixed(0)} min while the power reads ${p.value.toFixed(1)} kW`,
      });
    }
    return out;
  },
};
