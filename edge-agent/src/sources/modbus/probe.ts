import { decodeRegisters, engineering } from './decode.js';
import type { ResolvedPoint } from './maps.js';
import { planReads, splitRequest } from './plan.js';
import { classifyError, type Failure } from './quality.js';
import type { ModbusTransport } from './transport.js';

export type PointReading = { key: string; value?: number; failure?: Failure };

/** Reads the given points of one unit once (coalesced), for `check` and `scan`. */
export async function readOnce(
  io: ModbusTransport,
  unit: number,
  points: ResolvedPoint[],
  timeoutMs: number,
  maxRegisters = 125,
  maxGap = 0,
): Promise<PointReading[]> {
  const out: PointReading[] = points.map((p) => ({ key: p.key }));
  const queue = planReads(points, maxRegisters, maxGap);
  for (let guard = 0; queue.length > 0 && guard < 10_000; guard++) {
    const req = queue.shift()!;
    try {
      const regs = await io.read(unit, req.table, req.start, req.count, timeoutMs);
      for (const { index, offset } of req.points) {
        const p = points[index]!;
        out[index]!.value = engineering(decodeRegisters(regs, offset, p), p.scale, p.offset);
      }
    } catch (e) {
      const failure = classifyError(e);
      if (failure.kind !== 'exception') io.discardPending();
      if (failure.exception === 2 && req.points.length > 1) {
        queue.unshift(...splitRequest(req, points, maxRegisters));
        continue;
      }
      for (const { index } of req.points) out[index]!.failure = failure;
      if (failure.kind === 'timeout' || failure.kind === 'notConnected') {
        for (const r of out) r.failure ??= failure;
        return out;
      }
    }
  }
  return out;
}
