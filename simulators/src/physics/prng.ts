/**
 * Seeded pseudo-random numbers. mulberry32 (Tommy Ettinger's 32-bit generator) is tiny, fast and fully
 * determined by its 32-bit state; each simulated entity gets its own stream, seeded from the scenario seed and
 * the entity id, so adding a machine never changes the random draws of another.
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return Math.min(max, min + Math.floor((max - min + 1) * this.next()));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Symmetric noise in [-1, 1). */
  noise(): number {
    return this.next() * 2 - 1;
  }
}

/** FNV-1a over the string, mixed with the seed: the per-entity seed. */
export function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32) so that nearby names give unrelated streams
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function rngFor(seed: number, name: string): Rng {
  return new Rng(streamSeed(seed, name));
}
