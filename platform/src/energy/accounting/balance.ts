import type { BalanceRow } from '../result.js';
import type { SlotGrid } from '../slots.js';
import type { MeteringTree } from '../tree.js';
import type { MeterSeries } from '../types.js';

/**
 * Metering-tree balance: each parent against the sum of its children, per month. Only quarter-hours where
 * the parent and every child have data are compared, so a gap never shows up as a loss. The remainder is
 * line/transformer losses plus unmetered loads; a negative remainder means a meter reads wrong.
 */
export function meteringBalance(
  tree: MeteringTree,
  meters: Map<string, MeterSeries>,
  grid: SlotGrid,
): BalanceRow[] {
  const rows: BalanceRow[] = [];
  for (const id of tree.order) {
    const node = tree.nodes.get(id)!;
    if (!node.children.length) continue;
    const parent = meters.get(id)?.consumption.values;
    const kids = node.children.map((c) => meters.get(c)?.consumption.values);
    if (!parent || kids.some((k) => !k)) continue;
    const childArrays = kids as Float64Array[];
    const m = grid.months.length;
    const p = new Float64Array(m);
    const c = new Float64Array(m);
    const compared = new Uint32Array(m);
    const slots = new Uint32Array(m);
    // Σ children slot by slot (NaN propagates), child-major so each array is read sequentially.
    const sum = new Float64Array(grid.n);
    for (const k of childArrays) for (let i = 0; i < grid.n; i++) sum[i] = sum[i]! + k[i]!;
    for (let i = 0; i < grid.n; i++) {
      const g = grid.month[i]!;
      slots[g]!++;
      const pv = parent[i]!;
      const cs = sum[i]!;
      if (Number.isNaN(pv) || Number.isNaN(cs)) continue;
      p[g]! += pv;
      c[g]! += cs;
      compared[g]!++;
    }
    for (let g = 0; g < m; g++) {
      const loss = p[g]! - c[g]!;
      rows.push({
        parentId: id,
        childIds: node.children,
        month: grid.months[g]!.key,
        parentQuantity: p[g]!,
        childrenQuantity: c[g]!,
        lossQuantity: loss,
        lossShare: p[g]! > 0 ? loss / p[g]! : null,
        slotsCompared: compared[g]!,
        slots: slots[g]!,
      });
    }
  }
  return rows;
}
