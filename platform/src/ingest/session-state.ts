/**
 * What the platform knows about one agent session, and how each message changes it — pure, no I/O (the
 * SessionTracker persists it). The wire rule (protocol/README.md): `seq` never restarts within a session; a
 * rebirth's birth carries the next seq. So (sessionId, seq) names one message for the whole session and a
 * seq seen before is a redelivery.
 *
 * Legacy agents restart seq at 0 with each rebirth. A birth with seq 0 in a session where higher seqs were
 * already handled, that is not a redelivery of the session's first birth (same timestamp), marks the session
 * `legacy`: from then on seq-based dedupe and gap detection are off for it and every message is written —
 * the store is idempotent on (series, timestamp), so a redelivery costs a rewrite, never a lost point.
 * Forgetting is always the safe direction: it can only cause a rewrite, never a drop.
 */

/** Seqs seen: every seq ≤ contiguousUpTo, plus a sorted list of seqs above it. */
export type SeqWindow = { contiguousUpTo: number; sparse: number[] };

export type SessionState = {
  birthSeen: boolean;
  legacy: boolean;
  window: SeqWindow;
  /** Timestamp of the birth with seq 0 (tells a redelivered first birth from a legacy rebirth). */
  firstBirthTs: number | null;
  /** Seq of the latest birth applied; holes below it no longer matter (that birth re-stated the table). */
  lastBirthSeq: number;
  /** Highest seq handled (a legacy session: since its latest birth, as its seq restarts with each). */
  highestSeq: number;
  /**
   * Set once a newer birth of the agent superseded this session: the last seq the session may still
   * deliver (in flight or redelivered). Anything above it is refused (`supersededSession`).
   */
  frozenAtSeq: number | null;
};

export const SPARSE_MAX = 4096;

export const emptySession = (): SessionState => ({
  birthSeen: false,
  legacy: false,
  window: { contiguousUpTo: -1, sparse: [] },
  firstBirthTs: null,
  lastBirthSeq: -1,
  highestSeq: -1,
  frozenAtSeq: null,
});

export function seen(w: SeqWindow, seq: number): boolean {
  return seq <= w.contiguousUpTo || binaryHas(w.sparse, seq);
}

function binaryHas(xs: readonly number[], x: number): boolean {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = xs[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Adds seq to the window (a new window; the input is not changed). Beyond SPARSE_MAX the lowest sparse
 * entries are forgotten — which only means a redelivery of one of them is written again (idempotent).
 */
export function markSeen(w: SeqWindow, seq: number, sparseMax = SPARSE_MAX): SeqWindow {
  if (seen(w, seq)) return w;
  let contiguous = w.contiguousUpTo;
  let sparse = w.sparse;
  if (seq === contiguous + 1) {
    contiguous = seq;
    let k = 0;
    while (k < sparse.length && sparse[k]! <= contiguous + 1) contiguous = Math.max(contiguous, sparse[k++]!);
    sparse = sparse.slice(k);
  } else {
    sparse = [...sparse, seq].sort((x, y) => x - y);
    if (sparse.length > sparseMax) sparse = sparse.slice(sparse.length - sparseMax);
  }
  return { contiguousUpTo: contiguous, sparse };
}

/**
 * The first seq above `floor` that is missing while a higher one was seen, or null. A hole below the latest
 * birth is ignored: that birth re-stated the metric table, and a rebirth would not bring lost data back.
 */
export function firstMissingAbove(w: SeqWindow, floor: number): number | null {
  let candidate = Math.max(w.contiguousUpTo + 1, floor + 1);
  for (const x of w.sparse) {
    if (x < candidate) continue;
    if (x === candidate) candidate++;
    else return candidate;
  }
  return null;
}

/** true when every seq between the latest birth and `seq` was seen (no unseen birth can precede `seq`). */
export function nothingMissingBefore(s: SessionState, seq: number): boolean {
  const m = firstMissingAbove(markSeen(s.window, seq), s.lastBirthSeq);
  return m === null || m > seq;
}

export type BirthOutcome = 'applied' | 'redelivered' | 'legacyRebirth';

/**
 * A birth (seq, timestamp) arrives for this session. `earlierSeqs` are seqs of this session's messages that
 * arrived before any of its births (parked): a seq-0 birth after them means the seq restarted.
 */
export function onBirth(
  s: SessionState,
  seq: number,
  ts: number,
  earlierSeqs: readonly number[] = [],
): { state: SessionState; outcome: BirthOutcome } {
  if (s.legacy)
    return { state: { ...s, birthSeen: true, lastBirthSeq: 0, highestSeq: seq }, outcome: 'applied' };
  if (seq === 0 && s.firstBirthTs === ts && seen(s.window, 0)) return { state: s, outcome: 'redelivered' };
  if (seq > 0 && s.birthSeen && seen(s.window, seq)) return { state: s, outcome: 'redelivered' };
  const higherSeen =
    s.window.contiguousUpTo > 0 || s.window.sparse.some((x) => x > 0) || earlierSeqs.some((x) => x > 0);
  if (seq === 0 && higherSeen) {
    // Seq restarted: an agent of the legacy protocol (or its first birth reordered behind its data).
    const state = {
      ...emptySession(),
      birthSeen: true,
      legacy: true,
      firstBirthTs: ts,
      lastBirthSeq: 0,
      highestSeq: 0,
      frozenAtSeq: s.frozenAtSeq,
    };
    return { state, outcome: 'legacyRebirth' };
  }
  const state: SessionState = {
    ...s,
    birthSeen: true,
    firstBirthTs: seq === 0 ? ts : s.firstBirthTs,
    lastBirthSeq: Math.max(s.lastBirthSeq, seq),
    highestSeq: Math.max(s.highestSeq, seq),
    window: markSeen(s.window, seq),
  };
  return { state, outcome: 'applied' };
}

/** A data or status message arrives; `duplicate` means it was fully handled before. */
export function onMessage(
  s: SessionState,
  seq: number,
): { state: SessionState; duplicate: boolean; hole: boolean } {
  if (s.legacy)
    return { state: { ...s, highestSeq: Math.max(s.highestSeq, seq) }, duplicate: false, hole: false };
  if (seen(s.window, seq)) return { state: s, duplicate: true, hole: false };
  const window = markSeen(s.window, seq);
  return {
    state: { ...s, window, highestSeq: Math.max(s.highestSeq, seq) },
    duplicate: false,
    hole: firstMissingAbove(window, s.lastBirthSeq) !== null,
  };
}

/**
 * A newer birth of the agent superseded this session: from now on it may only deliver what it had sent
 * before — messages in flight or redelivered by the broker, a sibling instance's share. With the agent's
 * own word (`previous.lastSeq` of the new birth) that bound is exact and replaces any earlier estimate;
 * without it (an agent before that field, or one restarted with no memory of its last session) the bound is
 * the highest seq handled so far, and an estimate never moves a bound already set. A session whose seqs
 * restart (legacy) is frozen at the highest seq since its latest birth.
 */
export function supersede(s: SessionState, claimedLastSeq?: number): SessionState {
  if (claimedLastSeq !== undefined) return { ...s, frozenAtSeq: claimedLastSeq };
  if (s.frozenAtSeq !== null) return s;
  return { ...s, frozenAtSeq: s.highestSeq };
}

/** Is `seq` beyond what this (superseded) session may still deliver? */
export function beyondFreeze(s: SessionState, seq: number): boolean {
  return s.frozenAtSeq !== null && seq > s.frozenAtSeq;
}
