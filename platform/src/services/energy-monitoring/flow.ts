import type { Medium } from '@xiang/protocol';
import type { DiagnosisInput, DiagnosisOptionsInput } from '../../energy/types.js';
import { accountPeriod } from './inputs.js';
import type { EnergyFlow } from './schemas.js';

/**
 * The energy flow of one medium over a period as a Sankey: metering-tree nodes with their consumption, a link
 * from each parent to each metered child, and per parent the remainder (parent − Σ children) as its own node —
 * losses and unmetered loads, shown as such — from the accounting's balance, which compares only the
 * quarter-hours where the parent and every child have data. Children reading more than their parent are
 * listed as an inconsistency (a Sankey cannot draw a negative flow).
 */
export function buildFlow(
  factoryId: string,
  input: DiagnosisInput,
  medium: Medium,
  options: DiagnosisOptionsInput,
): EnergyFlow {
  const { fromMs, toMs } = input.period;
  const media = [...new Set(input.meters.map((m) => m.medium))].sort();
  const { accounting, ctx } = accountPeriod(input, fromMs, toMs, options);
  const nodes = accounting.nodes.filter((n) => n.medium === medium);
  const notes: string[] = [];
  const price = ctx.priced ? ctx.priceCnyPerKwh : null;
  const costOf = (meterId: string): number | null => {
    if (medium !== 'electricity' || !price) return null;
    const v = ctx.meterById.get(meterId)?.consumption.values;
    if (!v) return null;
    let c = 0;
    for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i]!)) c += v[i]! * price[i]!;
    return c;
  };
  const out: EnergyFlow['nodes'] = nodes.map((n) => {
    const coverage = n.slots ? 1 - n.gapSlots / n.slots : 0;
    return {
      id: n.meterId,
      kind: 'meter' as const,
      name: n.name,
      assetPath: n.assetPath,
      role: n.role,
      parentId: n.parentId,
      quantity: n.hasData && coverage > 0 ? n.total : null,
      coverage,
      costCny: coverage > 0 ? costOf(n.meterId) : null,
    };
  });
  const known = new Map(out.map((n) => [n.id, n]));
  const links: EnergyFlow['links'] = [];
  for (const n of out)
    if (n.parentId && known.has(n.parentId) && n.quantity && n.quantity > 0)
      links.push({ source: n.parentId, target: n.id, value: n.quantity });
  const byParent = new Map<string, { loss: number; compared: number; slots: number }>();
  for (const b of accounting.balance) {
    if (!known.has(b.parentId)) continue;
    const x = byParent.get(b.parentId) ?? { loss: 0, compared: 0, slots: 0 };
    x.loss += b.lossQuantity;
    x.compared += b.slotsCompared;
    x.slots += b.slots;
    byParent.set(b.parentId, x);
  }
  for (const [parentId, b] of byParent) {
    if (b.compared === 0) continue;
    const parent = known.get(parentId)!;
    const coverage = b.slots ? b.compared / b.slots : 0;
    if (b.loss > 0) {
      const id = `${parentId}~remainder`;
      out.push({
        id,
        kind: 'remainder',
        name: parent.name,
        assetPath: parent.assetPath,
        role: null,
        parentId,
        quantity: b.loss,
        coverage,
        costCny: null,
      });
      links.push({ source: parentId, target: id, value: b.loss });
    } else if (b.loss < 0) {
      out.push({
        id: `${parentId}~excess`,
        kind: 'excess',
        name: parent.name,
        assetPath: parent.assetPath,
        role: null,
        parentId,
        quantity: -b.loss,
        coverage,
        costCny: null,
      });
      notes.push(`excess:${parentId}`);
    }
  }
  const unit = nodes[0]?.unit ?? (medium === 'electricity' ? 'kWh' : '');
  return { factoryId, medium, unit, fromMs, toMs, media, nodes: out, links, notes };
}
