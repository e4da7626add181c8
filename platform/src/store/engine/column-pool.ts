/**
 * Typed arrays handed back by a reader that is done with a summaries answer, for the next answers of the same
 * reader to be built in. A year of quarter-hours is 280 KB an array; a diagnosis of hundreds of meters reads
 * thirteen of them per series and keeps five (query/energy-inputs-onchange.ts takes them over). Allocating the
 * other eight afresh each time was over half a gigabyte of short-lived external memory per diagnosis: fresh
 * pages from the kernel, and V8 collecting early under "external memory pressure". The pool belongs to one
 * reader (one `loadEnergyInputs` call) and goes with it: nothing is kept between reads.
 *
 * The contract: give back only arrays nothing references any more — the pool hands them out again, zeroed.
 */
export class ColumnPool {
  private readonly f64 = new Map<number, Float64Array[]>();
  private readonly u32 = new Map<number, Uint32Array[]>();
  private held = 0;

  /** At most this many arrays are kept (a bound on the memory held, whatever a reader gives back). */
  constructor(private readonly maxArrays = 512) {}

  /** A zeroed Float64Array of n elements (or filled with `fill`). */
  float64(n: number, fill = 0): Float64Array {
    const a = this.f64.get(n)?.pop();
    if (!a) return fill === 0 ? new Float64Array(n) : new Float64Array(n).fill(fill);
    this.held--;
    return a.fill(fill);
  }

  /** A zeroed Uint32Array of n elements. */
  uint32(n: number): Uint32Array {
    const a = this.u32.get(n)?.pop();
    if (!a) return new Uint32Array(n);
    this.held--;
    return a.fill(0);
  }

  /** Arrays nothing references any more (undefined is skipped, as is anything past the bound). */
  give(...arrays: readonly (Float64Array | Uint32Array | undefined)[]): void {
    for (const a of arrays) {
      if (!a || this.held >= this.maxArrays) continue;
      const byLength = a instanceof Float64Array ? this.f64 : this.u32;
      const list = byLength.get(a.length);
      if (list?.includes(a as never)) continue; // given twice: keep it once
      if (list) list.push(a as never);
      else byLength.set(a.length, [a as never]);
      this.held++;
    }
  }

  /** Arrays held now (tests, diagnostics). */
  get size(): number {
    return this.held;
  }
}

/** Without a pool: fresh arrays (every other reader of summaries). */
export const freshColumns = {
  float64: (n: number, fill = 0): Float64Array =>
    fill === 0 ? new Float64Array(n) : new Float64Array(n).fill(fill),
  uint32: (n: number): Uint32Array => new Uint32Array(n),
  /** Nothing to keep them for: the garbage collector takes them. */
  give: (..._arrays: readonly (Float64Array | Uint32Array | undefined)[]): void => {},
};

/** Where an answer's arrays come from, and where working arrays go back to. */
export type ColumnSource = Pick<ColumnPool, 'float64' | 'uint32' | 'give'>;
