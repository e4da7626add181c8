import type { AlarmKind, Condition } from '../types.js';

/**
 * 表计无数据 / 读数冻结 — a meter silent (no sample of any metric for `silentMin` while its agent reports it
 * online; an offline device is the device-offline alarm's), or frozen: its energy counter has not moved for
 * `frozenMin` while its power reads above `minPowerKw` and the meter keeps sending other readings — the counter
 * should have advanced by power × time.
 * When every meter of an agent is silent, that is one alarm for the agent (its uplink or source is down), not
 * one per meter.
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
    const meters = ctx.snapshot.devices.filter((d) => d.kind === 'meter' && d.online);
    const silent = new Map<string, { id: string; name: string; last: number }[]>();
    const perAgent = new Map<string, number>();
    for (const d of meters) {
      perAgent.set(d.agentId, (perAgent.get(d.agentId) ?? 0) + 1);
      const last = byDevice.get(d.id) ?? d.lastSeenMs ?? null;
      if (last !== null && ctx.nowMs - last >= t.silentMin * 60_000)
        silent.set(d.agentId, [...(silent.get(d.agentId) ?? []), { id: d.id, name: d.name ?? d.id, last }]);
    }
    for (const [agentId, list] of silent) {
      if (list.length === perAgent.get(agentId) && list.length > 1) {
        const last = Math.max(...list.map((m) => m.last));
        out.push({
          key: `agent:${agentId}`,
          deviceId: null,
          severity: 'major',
          value: (ctx.nowMs - last) / 60_000,
          threshold: t.silentMin,
          unit: 'min',
          params: {
            agent: agentId,
            variant: 'agentSilent',
            meters: list.length,
            durationMs: ctx.nowMs - last,
            sinceMs: last,
          },
          summary: `agent ${agentId}: none of its ${list.length} meters has sent data since ${new Date(last).toISOString()}`,
        });
        continue;
      }
      for (const m of list)
        out.push({
          key: `${m.id}:silent`,
          deviceId: m.id,
          severity: 'warning',
          value: (ctx.nowMs - m.last) / 60_000,
          threshold: t.silentMin,
          unit: 'min',
          params: { meter: m.name, variant: 'silent', durationMs: ctx.nowMs - m.last, sinceMs: m.last },
          summary: `${m.name}: no data since ${new Date(m.last).toISOString()}`,
        });
    }
    const silentIds = new Set([...silent.values()].flat().map((m) => m.id));
    for (const d of meters) {
      if (silentIds.has(d.id)) continue;
      const counter = ctx.data.metric(d.id, 'activeEnergyImport');
      const power = ctx.data.metric(d.id, 'activePower');
      if (!counter || !power) continue;
      const c = latest.find((l) => l.deviceId === d.id && l.metric === counter.key);
      const p = latest.find((l) => l.deviceId === d.id && l.metric === power.key);
      if (!c || !p || p.value === null || p.value < t.minPowerKw) continue;
      const still = ctx.nowMs - c.tsMs;
      // Frozen, not silent: the meter kept sending other readings after its counter stopped.
      const alive = (byDevice.get(d.id) ?? 0) - c.tsMs >= t.frozenMin * 60_000;
      if (still < t.frozenMin * 60_000 || !alive) continue;
      const name = d.name ?? d.id;
      out.push({
        key: `${d.id}:frozen`,
        deviceId: d.id,
        severity: 'major',
        value: still / 60_000,
        threshold: t.frozenMin,
        unit: 'min',
        params: {
          meter: name,
          variant: 'frozen',
          durationMs: still,
          kw: p.value,
          reading: c.value,
          sinceMs: c.tsMs,
        },
        summary: `${name}: energy counter unchanged for ${(still / 60_000).toFixed(0)} min while the power reads ${p.value.toFixed(1)} kW`,
      });
    }
    return out;
  },
};
