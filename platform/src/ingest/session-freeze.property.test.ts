import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  beyondFreeze,
  emptySession,
  onBirth,
  onMessage,
  type SessionState,
  supersede,
} from './session-state.js';

/**
 * Properties of the session freeze (a newer birth supersedes a session: session-state.ts `supersede`).
 * The oracle is a plain model of what the agent sent and what the broker acknowledged, independent of the
 * tracker: every acknowledged message of the old session is accepted exactly once, whenever it arrives
 * (before or after the new birth, redelivered or not); nothing the old session never sent (forged, with
 * its sessionId and a seq the agent did not use) is accepted once the new birth was seen. (Before that the
 * old session is the agent's current one: forgery there is stopped by broker authentication, not here.)
 */
type Verdict = 'accepted' | 'duplicate' | 'refused';

/** What handleData does with a data message of a born session, in its order: duplicate, freeze, accept. */
function deliver(s: SessionState, seq: number): { state: SessionState; verdict: Verdict } {
  const m = onMessage(s, seq);
  if (m.duplicate) return { state: s, verdict: 'duplicate' };
  if (beyondFreeze(s, seq)) return { state: s, verdict: 'refused' };
  return { state: m.state, verdict: 'accepted' };
}

type Event = { kind: 'old'; seq: number } | { kind: 'forged'; seq: number } | { kind: 'supersede' };

/**
 * The old session sent seqs 1..sent (its birth was 0); the broker acknowledged 1..acked (the agent's
 * claim, `previous.lastSeq`). The platform gets every acknowledged message at least once, some of the
 * unacknowledged ones, redeliveries, forged messages with seqs above `sent`, and the new birth somewhere.
 */
const scenario = (withClaim: boolean, inOrder: boolean) =>
  fc
    .record({
      sent: fc.integer({ min: 1, max: 40 }),
      ackedFraction: fc.double({ min: 0, max: 1, noNaN: true }),
      unackedArrive: fc.array(fc.boolean(), { maxLength: 40 }),
      redeliveries: fc.array(fc.nat(), { maxLength: 10 }),
      forged: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }),
      order: fc.array(fc.nat(), { minLength: 120, maxLength: 120 }),
      supersedeAt: fc.nat(),
    })
    .map((r) => {
      const acked = Math.floor(r.ackedFraction * r.sent);
      const legit: number[] = [];
      for (let seq = 1; seq <= r.sent; seq++) if (seq <= acked || r.unackedArrive[seq - 1]) legit.push(seq);
      const old = [
        ...legit,
        ...r.redeliveries.filter(() => legit.length > 0).map((k) => legit[k % legit.length]!),
      ];
      // In order (one subscriber): the old session's messages in seq order, the new birth after all of them
      // when there is no claim (the broker delivers what the old connection sent before the new one's birth).
      // Otherwise any interleaving (a shared subscription splits the stream).
      const oldEvents: Event[] = (inOrder ? [...old].sort((x, y) => x - y) : shuffle(old, r.order)).map(
        (seq) => ({ kind: 'old', seq }),
      );
      const at = withClaim ? r.supersedeAt % (oldEvents.length + 1) : oldEvents.length;
      const events: Event[] = [...oldEvents.slice(0, at), { kind: 'supersede' }, ...oldEvents.slice(at)];
      const forged = r.forged.map((k): Event => ({ kind: 'forged', seq: r.sent + k }));
      for (const [k, f] of forged.entries()) events.splice((r.order[k] ?? 0) % (events.length + 1), 0, f);
      return { acked, sent: r.sent, events, claim: withClaim ? acked : undefined };
    });

function shuffle<T>(xs: readonly T[], keys: readonly number[]): T[] {
  return xs
    .map((x, k) => ({ x, key: keys[k % keys.length]! * 1000 + k }))
    .sort((p, q) => p.key - q.key)
    .map((p) => p.x);
}

function run(events: readonly Event[], claim: number | undefined) {
  let s = onBirth(emptySession(), 0, 1).state;
  const accepted = new Map<number, number>();
  const forgedAccepted: number[] = [];
  let superseded = false;
  for (const e of events) {
    if (e.kind === 'supersede') {
      s = supersede(s, claim);
      superseded = true;
      continue;
    }
    const r = deliver(s, e.seq);
    s = r.state;
    if (r.verdict !== 'accepted') continue;
    if (e.kind === 'forged') {
      if (superseded) forgedAccepted.push(e.seq);
    } else accepted.set(e.seq, (accepted.get(e.seq) ?? 0) + 1);
  }
  return { accepted, forgedAccepted };
}

describe('a superseded session accepts what it sent, exactly once, and nothing beyond', () => {
  it("with the agent's claim (previous.lastSeq), in any order: every acknowledged message once, nothing forged", () => {
    fc.assert(
      fc.property(scenario(true, false), ({ acked, events, claim }) => {
        const { accepted, forgedAccepted } = run(events, claim);
        expect(forgedAccepted).toEqual([]);
        for (let seq = 1; seq <= acked; seq++) expect(accepted.get(seq)).toBe(1);
        for (const n of accepted.values()) expect(n).toBe(1);
      }),
    );
  });

  it('without a claim (older agents), in order: everything sent accepted once, nothing above the highest seq seen before the new birth', () => {
    fc.assert(
      fc.property(scenario(false, true), ({ events }) => {
        const { accepted, forgedAccepted } = run(events, undefined);
        // The bound is an estimate: the highest seq seen before the new birth (a hole below it may be filled).
        const before = events.slice(
          0,
          events.findIndex((e) => e.kind === 'supersede'),
        );
        const bound = Math.max(0, ...before.map((e) => ('seq' in e ? e.seq : 0)));
        for (const seq of forgedAccepted) expect(seq).toBeLessThanOrEqual(bound);
        const sentSeqs = new Set(events.flatMap((e) => (e.kind === 'old' ? [e.seq] : [])));
        for (const seq of sentSeqs) expect(accepted.get(seq)).toBe(1);
      }),
    );
  });

  it('a freeze is sticky: an estimate never moves a bound, a claim sets it exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }),
        fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 30 }),
        (before, claim, after) => {
          let s = onBirth(emptySession(), 0, 1).state;
          for (const seq of before) s = onMessage(s, seq).state;
          const highest = Math.max(0, ...before);
          s = supersede(s, claim);
          const bound = claim ?? highest;
          expect(s.frozenAtSeq).toBe(bound);
          for (const seq of after) {
            s = deliver(s, seq).state;
            s = supersede(s); // a later birth without a claim (e.g. the agent's next one) keeps the bound
          }
          expect(s.frozenAtSeq).toBe(bound);
          for (const seq of after) if (seq > bound) expect(beyondFreeze(s, seq)).toBe(true);
        },
      ),
    );
  });

  it('a session never superseded refuses nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000 }), { maxLength: 50 }), (seqs) => {
        let s = onBirth(emptySession(), 0, 1).state;
        for (const seq of seqs) {
          expect(beyondFreeze(s, seq)).toBe(false);
          s = onMessage(s, seq).state;
        }
      }),
    );
  });

  it('legacy sessions (seq restarts) are frozen at the highest seq since their latest birth', () => {
    let s = onBirth(emptySession(), 0, 1).state;
    for (let seq = 1; seq <= 5; seq++) s = onMessage(s, seq).state;
    s = onBirth(s, 0, 2).state; // seq restarted: legacy
    expect(s.legacy).toBe(true);
    for (let seq = 1; seq <= 3; seq++) s = onMessage(s, seq).state;
    s = supersede(s);
    expect(s.frozenAtSeq).toBe(3);
    expect(beyondFreeze(s, 3)).toBe(false);
    expect(beyondFreeze(s, 4)).toBe(true);
  });
});
