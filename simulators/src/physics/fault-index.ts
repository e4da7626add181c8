import type { Fault } from '../scenario/faults.js';

const NONE: readonly number[] = [];

/** Faults indexed by what they act on, with their active windows in epoch ms. */
export class FaultIndex {
  readonly fromMs: number[];
  readonly toMs: number[];
  private readonly byTarget = new Map<string, Map<string, number[]>>();

  constructor(readonly faults: readonly Fault[]) {
    this.fromMs = faults.map((f) => (f.from ? Date.parse(f.from) : Number.NEGATIVE_INFINITY));
    this.toMs = faults.map((f) => (f.to ? Date.parse(f.to) : Number.POSITIVE_INFINITY));
    faults.forEach((f, i) => {
      for (const t of targetsOf(f)) {
        let byT = this.byTarget.get(f.type);
        if (!byT) {
          byT = new Map();
          this.byTarget.set(f.type, byT);
        }
        const list = byT.get(t) ?? [];
        list.push(i);
        byT.set(t, list);
      }
    });
  }

  active(i: number, tMs: number): boolean {
    return tMs >= (this.fromMs[i] as number) && tMs < (this.toMs[i] as number);
  }

  /** Indices of faults of `type` acting on `target`. */
  on(type: Fault['type'], target: string): readonly number[] {
    // Called for every meter and machine every tick: no string building on this path.
    return this.byTarget.get(type)?.get(target) ?? NONE;
  }

  /** First active fault of `type` on `target` at `tMs`, or -1. */
  activeOn(type: Fault['type'], target: string, tMs: number): number {
    for (const i of this.on(type, target)) if (this.active(i, tMs)) return i;
    return -1;
  }
}

export function targetsOf(f: Fault): string[] {
  switch (f.type) {
    case 'offShiftBaseLoad':
      return [f.target];
    case 'idleThroughBreaks':
    case 'microStops':
      return f.machines;
    case 'lowPowerFactor':
    case 'phaseUnbalance':
    case 'harmonicDistortion':
    case 'demandSpikes':
    case 'meterFreeze':
      return [f.meter];
    case 'meterDropout':
    case 'badQuality':
      return [f.device];
  }
}
