/**
 * Columnar per-tick history for the ground truth, stored in fixed-size chunks so old chunks can be dropped
 * (bounded memory in a long live run). Index = tick number since the simulation start.
 */
const CHUNK = 4096;

type Arr = Float64Array | Uint8Array;

export class Column<T extends Arr> {
  private chunks: (T | null)[] = [];
  private len = 0;
  private firstChunk = 0;
  constructor(private readonly make: (n: number) => T) {}

  get length(): number {
    return this.len;
  }
  /** Lowest index still stored. */
  get firstIndex(): number {
    return this.firstChunk * CHUNK;
  }
  push(v: number): void {
    const c = Math.floor(this.len / CHUNK);
    let chunk = this.chunks[c];
    if (!chunk) {
      chunk = this.make(CHUNK);
      this.chunks[c] = chunk;
    }
    chunk[this.len % CHUNK] = v;
    this.len++;
  }
  get(i: number): number {
    if (i < this.firstIndex || i >= this.len) throw new RangeError(`tick ${i} is outside the stored history`);
    return (this.chunks[Math.floor(i / CHUNK)] as T)[i % CHUNK] as number;
  }
  /** Drops whole chunks so that at most `keep` ticks (rounded up to a chunk) stay. */
  trim(keep: number): void {
    const lastChunk = Math.floor((this.len - 1) / CHUNK);
    const keepChunks = Math.ceil(keep / CHUNK) + 1;
    while (lastChunk - this.firstChunk + 1 > keepChunks) {
      this.chunks[this.firstChunk] = null;
      this.firstChunk++;
    }
  }
}

export const f64 = (): Column<Float64Array> => new Column((n) => new Float64Array(n));
export const u8 = (): Column<Uint8Array> => new Column((n) => new Uint8Array(n));
