/**
 * Sparkplug B sequence numbers (spec §6.4.1, 3.0): every message of an edge node's session after the NBIRTH
 * (DBIRTH, NDATA, DDATA, DDEATH) carries the next `seq`, 0–255, wrapping to 0 after 255. Pure.
 */
export const SEQ_MODULUS = 256;

export type SeqVerdict =
  /** The expected next number. */
  | { kind: 'next' }
  /** Ahead of the expected number: `missing` messages were lost (a rebirth is requested). */
  | { kind: 'gap'; missing: number }
  /** The number just seen again, or an older one within half the ring: a redelivery or reordering. */
  | { kind: 'behind'; by: number };

/** Classifies `got` against the last seq seen, on the 256-ring; half the ring ahead counts as ahead. */
export function classifySeq(last: number, got: number): SeqVerdict {
  const ahead = (got - last + SEQ_MODULUS) % SEQ_MODULUS; // 0..255
  if (ahead === 1) return { kind: 'next' };
  if (ahead === 0 || ahead > SEQ_MODULUS / 2)
    return { kind: 'behind', by: (SEQ_MODULUS - ahead) % SEQ_MODULUS };
  return { kind: 'gap', missing: ahead - 1 };
}

export const isValidSeq = (n: number): boolean => Number.isInteger(n) && n >= 0 && n < SEQ_MODULUS;

/**
 * Whether a rebirth request may be sent now: at most one per `minIntervalMs` per edge node, whatever
 * arrives (a flood of out-of-order data must not become a flood of commands).
 */
export function rebirthAllowed(
  lastSentAtMs: number | undefined,
  nowMs: number,
  minIntervalMs: number,
): boolean {
  return lastSentAtMs === undefined || nowMs - lastSentAtMs >= minIntervalMs;
}
