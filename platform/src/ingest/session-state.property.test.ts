import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptySession,
  firstMissingAbove,
  markSeen,
  onBirth,
  onMessage,
  type SeqWindow,
  type SessionState,
  seen,
} from './session-state.js';

/**
 * Properties of the session tracker (pure part). The oracle is a plain Set of what was delivered — a second,
 * independent implementation — and the invariant that matters: the first delivery of a message is never
 * taken for a duplicate (that would drop acknowledged data); a redelivery may at worst be written again.
 */
const seqs = fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 400 });

describe('seq window', () => {
  it('seen() is exactly set membership while nothing is forgotten', () => {
    fc.assert(
      fc.property(seqs, fc.integer({ min: 0, max: 320 }), (xs, probe) => {
        let w: SeqWindow = { contiguousUpTo: -1, sparse: [] };
        for (const x of xs) w = markSeen(w, x, 10_000);
        expect(seen(w, probe)).toBe(xs.includes(probe));
        expect([...w.sparse].sort((a, b) => a - b)).toEqual(w.sparse);
        expect(w.sparse.every((x) => x > w.contiguousUpTo + 1)).toBe(true);
      }),
    );
  });

  it('a bounded window forgets, never invents: seen() implies delivered', () => {
    fc.assert(
      fc.property(seqs, fc.integer({ min: 1, max: 8 }), (xs, max) => {
        let w: SeqWindow = { contiguousUpTo: -1, sparse: [] };
        for (const x of xs) w = markSeen(w, x, max);
        expect(w.sparse.length).toBeLessThanOrEqual(max);
        for (let probe = 0; probe <= 300; probe++) if (seen(w, probe)) expect(xs).toContain(probe);
      }),
    );
  });

  it('firstMissingAbove names a seq that was not delivered, below one that was', () => {
    fc.assert(
      fc.property(seqs, fc.integer({ min: -1, max: 300 }), (xs, floor) => {
        let w: SeqWindow = { contiguousUpTo: -1, sparse: [] };
        for (const x of xs) w = markSeen(w, x, 10_000);
        const m = firstMissingAbove(w, floor);
        if (m === null) {
          const above = xs.filter((x) => x > floor);
          const max = Math.max(floor, ...above);
          for (let s = floor + 1; s <= max; s++) expect(xs).toContain(s);
        } else {
          expect(m).toBeGreaterThan(floor);
          expect(xs).not.toContain(m);
          expect(xs.some((x) => x > m)).toBe(true);
        }
      }),
    );
  });
});

type Msg = { id: number; kind: 'birth' | 'data'; seq: number; ts: number };

/** An agent's session: a birth at seq 0, data, rebirths; `legacy` restarts seq at 0 with each rebirth. */
const session = (legacy: boolean) =>
  fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }).map((rebirths) => {
    const msgs: Msg[] = [{ id: 0, kind: 'birth', seq: 0, ts: 1 }];
    let seq = 0;
    rebirths.forEach((isBirth, k) => {
      const kind = isBirth && k % 3 === 0 ? 'birth' : 'data';
      seq = kind === 'birth' && legacy ? 0 : seq + 1;
      msgs.push({ id: k + 1, kind, seq, ts: 2 + k });
    });
    return msgs;
  });

/** Delivers in order with QoS 1 redeliveries of earlier messages inserted anywhere later. */
function deliver(msgs: Msg[], redeliver: number[]): Msg[] {
  const out: Msg[] = [];
  msgs.forEach((m, k) => {
    out.push(m);
    for (const r of redeliver) if (r % msgs.length === k && k > 0) out.push(msgs[(r * 7) % k]!);
  });
  return out;
}

function run(stream: Msg[]): { droppedFirstDeliveries: number[] } {
  let s: SessionState = emptySession();
  const handled = new Set<number>();
  const dropped: number[] = [];
  for (const m of stream) {
    const first = !handled.has(m.id);
    if (m.kind === 'birth') {
      const r = onBirth(s, m.seq, m.ts);
      s = r.state;
      if (r.outcome === 'redelivered' && first) dropped.push(m.id);
    } else {
      const r = onMessage(s, m.seq);
      s = r.state;
      if (r.duplicate && first) dropped.push(m.id);
    }
    handled.add(m.id);
  }
  return { droppedFirstDeliveries: dropped };
}

describe('session semantics: nothing delivered for the first time is taken for a duplicate', () => {
  it('continuous seq, redeliveries anywhere later', () => {
    fc.assert(
      fc.property(session(false), fc.array(fc.nat(), { maxLength: 30 }), (msgs, r) => {
        expect(run(deliver(msgs, r)).droppedFirstDeliveries).toEqual([]);
      }),
    );
  });

  it('continuous seq, any order (a shared subscription splits the stream)', () => {
    fc.assert(
      fc.property(
        session(false).chain((m) => fc.shuffledSubarray(m, { minLength: m.length, maxLength: m.length })),
        (shuffled) => {
          expect(run(shuffled).droppedFirstDeliveries).toEqual([]);
        },
      ),
    );
  });

  it('legacy agents (seq restarts with each rebirth), in order with redeliveries', () => {
    fc.assert(
      fc.property(session(true), fc.array(fc.nat(), { maxLength: 30 }), (msgs, r) => {
        expect(run(deliver(msgs, r)).droppedFirstDeliveries).toEqual([]);
      }),
    );
  });

  it('continuous seq: a redelivery in order is recognised as handled (cheap dedupe works)', () => {
    fc.assert(
      fc.property(session(false), fc.nat(), (msgs, k) => {
        let s = emptySession();
        for (const m of msgs)
          s = m.kind === 'birth' ? onBirth(s, m.seq, m.ts).state : onMessage(s, m.seq).state;
        const again = msgs[k % msgs.length]!;
        if (again.kind === 'data') expect(onMessage(s, again.seq).duplicate).toBe(true);
        else expect(onBirth(s, again.seq, again.ts).outcome).toBe('redelivered');
      }),
    );
  });
});
