import type { AlarmKind } from '../types.js';

/**
 * 需量越限预警 — the demand of the current 15-minute window approaching the contract demand. The billing
 * demand is the mean power over a fixed quarter-hour; what has been drawn since the window began plus the
 * present load until its end predicts it (the rule a demand controller uses). Warning at `warnShare` of the
 * contract, critical when the prediction reaches the contract.
 */
const WINDOW_MS = 900_000;

export const demand: AlarmKind = {
  id: 'demand',
  async evaluate(ctx) {
    const t = ctx.thresholds.demand;
    const contract = ctx.snapshot.factory.contractDemandKw;
    const meterId = ctx.mainIncomerId;
    if (!t.enabled || !contract || !meterId) return [];
    const start = Math.floor(ctx.nowMs / WINDOW_MS) * WINDOW_MS;
    const elapsedH = (ctx.nowMs - start) / 3_600_000;
    const counter = ctx.data.metric(meterId, 'activeEnergyImport');
    const power = ctx.data.metric(meterId, 'activePower');
    const [e0, e1, p] = await Promise.all([
      counter ? ctx.data.valueAt(meterId, counter.key, start) : null,
      counter ? ctx.data.valueAt(meterId, counter.key, ctx.nowMs) : null,
      power ? ctx.data.valueAt(meterId, power.key, ctx.nowMs) : null,
    ]);
    const pNow = p?.value ?? null;
    const drawn = e0?.value != null && e1?.value != null && e1.value >= e0.value ? e1.value - e0.value : null;
    if (pNow === null && drawn === null) return [];
    const rest = 0.25 - elapsedH;
    const predicted =
      drawn !== null ? (drawn + (pNow ?? drawn / Math.max(elapsedH, 1e-9)) * rest) / 0.25 : (pNow as number);
    if (predicted < t.warnShare * contract) return [];
    const name = ctx.snapshot.devices.find((d) => d.id === meterId)?.name ?? meterId;
    return [
      {
        key: meterId,
        deviceId: meterId,
        severity: predicted >= contract ? 'critical' : 'warning',
        value: predicted,
        threshold: t.warnShare * contract,
        unit: 'kW',
        params: {
          meter: name,
          predictedKw: predicted,
          contractKw: contract,
          windowStartMs: start,
          share: predicted / contract,
        },
        summary: `${name}: demand of the window from ${new Date(start).toISOString()} heads for ${predicted.toFixed(0)} kW (contract ${contract} kW)`,
      },
    ];
  },
};
