/**
 * Polling groups: the points of one device coalesced into as few reads as its limits allow. Points of one
 * table (holding FC 03 / input FC 04) sorted by address merge into one request while the span stays within
 * `maxRegisters` (the protocol allows 1..125 registers per read, Modbus Application Protocol V1.1b3 §6.3/§6.4)
 * and the hole between them is at most `maxGap` registers (a hole is read and thrown away; devices that
 * refuse reading unmapped registers need `maxGap: 0`, and get it automatically after an ILLEGAL DATA ADDRESS).
 */
export type Table = 'holding' | 'input';

export type PointSpan = { table: Table; address: number; count: number };

export type ReadRequest = {
  table: Table;
  start: number;
  count: number;
  /** Indices into the planned points, each with its offset (registers) from `start`. */
  points: Array<{ index: number; offset: number }>;
};

export const MAX_REGISTERS_PER_READ = 125;

export function planReads(
  points: readonly PointSpan[],
  maxRegisters = MAX_REGISTERS_PER_READ,
  maxGap = 0,
): ReadRequest[] {
  const out: ReadRequest[] = [];
  for (const table of ['holding', 'input'] as const) {
    const list = points
      .map((p, index) => ({ ...p, index }))
      .filter((p) => p.table === table)
      .sort((a, b) => a.address - b.address || b.count - a.count);
    let cur: ReadRequest | null = null;
    for (const p of list) {
      const end = p.address + p.count;
      if (cur) {
        const curEnd = cur.start + cur.count;
        const span = Math.max(curEnd, end) - cur.start;
        if (p.address <= curEnd + maxGap && span <= maxRegisters) {
          cur.count = span;
          cur.points.push({ index: p.index, offset: p.address - cur.start });
          continue;
        }
      }
      cur = { table, start: p.address, count: p.count, points: [{ index: p.index, offset: 0 }] };
      out.push(cur);
    }
  }
  return out;
}

/**
 * A request refused with ILLEGAL DATA ADDRESS: read its points again without holes, and if it had none, one
 * point per request, so one unmapped register costs only its own point.
 */
export function splitRequest(
  req: ReadRequest,
  points: readonly PointSpan[],
  maxRegisters: number,
): ReadRequest[] {
  const mine = req.points.map((p) => points[p.index]!);
  const tight = planReads(mine, maxRegisters, 0).map((r) => ({
    ...r,
    points: r.points.map((p) => ({ index: req.points[p.index]!.index, offset: p.offset })),
  }));
  if (tight.length > 1) return tight;
  return req.points.map((p) => {
    const s = points[p.index]!;
    return { table: s.table, start: s.address, count: s.count, points: [{ index: p.index, offset: 0 }] };
  });
}
