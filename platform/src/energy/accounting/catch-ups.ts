import { SLOT_MS } from '../slots.js';
import type { MeterSeries } from '../types.js';

/**
 * A counter's rises across silent stretches (`MeterSeries.unattributed`, query/energy-inputs-onchange) in the
 * medium totals. The store books such a rise to the interval where the reading resumed (store/README.md,
 * counter increase); a period total does the same — they are consumption, never dropped — but in no
 * quarter-hour's figure. A rise whose silent stretch began before the period (or whose start is unknown) may
 * belong partly to the previous period: the slots of the period it spans are uncertain (counted as gaps, so
 * the period's coverage is below 1); one that lies wholly inside the period leaves its total exact.
 */
export type CatchUps = {
  /** Quantity booked per slot (where the reading resumed). */
  bySlot: Float64Array;
  /** 1 where a rise that began before the period spans the slot. */
  uncertain: Uint8Array;
};

export function catchUps(meters: readonly MeterSeries[], fromMs: number, n: number): CatchUps {
  const bySlot = new Float64Array(n);
  const uncertain = new Uint8Array(n);
  for (const m of meters)
    for (const u of m.unattributed ?? []) {
      const slot = Math.floor((u.toMs - 1 - fromMs) / SLOT_MS);
      if (slot < 0 || slot >= n) continue;
      if (u.quantity !== null) bySlot[slot] = bySlot[slot]! + u.quantity;
      if (u.fromMs === null || u.fromMs < fromMs || u.quantity === null) uncertain.fill(1, 0, slot + 1);
    }
  return { bySlot, uncertain };
}
