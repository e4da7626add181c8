import { MachineryItemState } from '@xiang/protocol';
import { SLOT_MS, type SlotGrid } from './slots.js';
import type { StateChanges } from './types.js';

/**
 * Machine state time per quarter-hour, from OPC 40001-1 MachineryItemState changes: the share of each slot
 * spent Executing, NotExecuting (idle, powered and ready) and NotAvailable/OutOfService (off). `known` is
 * the share of the slot covered by state data (0 before the first change).
 */
export type Occupancy = { exec: Float32Array; idle: Float32Array; off: Float32Array; known: Float32Array };

export function occupancy(states: StateChanges, grid: SlotGrid): Occupancy {
  const n = grid.n;
  // One allocation for the four shares (views of it): a year is 4 × 35 040 slots per machine.
  const all = new Float32Array(4 * n);
  const exec = all.subarray(0, n);
  const idle = all.subarray(n, 2 * n);
  const off = all.subarray(2 * n, 3 * n);
  const known = all.subarray(3 * n, 4 * n);
  const endMs = grid.fromMs + n * SLOT_MS;
  const count = Math.min(states.tMs.length, states.state.length);
  for (let k = 0; k < count; k++) {
    const a = Math.max(states.tMs[k]!, grid.fromMs);
    const b = Math.min(k + 1 < count ? states.tMs[k + 1]! : endMs, endMs);
    if (b <= a) continue;
    const s = states.state[k]!;
    const target =
      s === MachineryItemState.Executing
        ? exec
        : s === MachineryItemState.NotExecuting
          ? idle
          : s === MachineryItemState.NotAvailable || s === MachineryItemState.OutOfService
            ? off
            : null;
    // Whole slots inside [a, b) belong to this interval alone: fill them natively; share out the edges.
    const first = Math.floor((a - grid.fromMs) / SLOT_MS);
    const last = Math.min(n - 1, Math.ceil((b - grid.fromMs) / SLOT_MS) - 1);
    for (let i = first; i <= last; i++) {
      const s0 = grid.fromMs + i * SLOT_MS;
      if (i > first && i < last) {
        known.fill(1, i, last);
        target?.fill(1, i, last);
        i = last - 1;
        continue;
      }
      const part = (Math.min(b, s0 + SLOT_MS) - Math.max(a, s0)) / SLOT_MS;
      known[i]! += part;
      if (target) target[i]! += part;
    }
  }
  return { exec, idle, off, known };
}

/** 1 where any machine executes during the slot, 0 where none does, 255 where no machine has state data. */
export function anyExecuting(occ: Occupancy[], n: number): Uint8Array {
  const out = new Uint8Array(n).fill(occ.length ? 0 : 255);
  if (!occ.length) return out;
  const known = new Uint8Array(n);
  for (const o of occ)
    for (let i = 0; i < n; i++) {
      if (o.known[i]! > 0) known[i] = 1;
      if (o.exec[i]! > 0) out[i] = 1;
    }
  for (let i = 0; i < n; i++) if (!known[i] && !out[i]) out[i] = 255;
  return out;
}
