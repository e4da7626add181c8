import type { RunResult } from '../types.js';
import type { SyncPgClient } from './sync-client.js';

type Query = { text: string; values: unknown[] };
type Answer = { rows: unknown[]; rowCount: number };

/** A statement's RunResult, known once the statement has been sent: reading it sends what is queued. */
class PendingResult implements RunResult {
  private answer: Answer | null = null;
  constructor(
    private readonly queue: WriteBehind,
    private readonly idColumn: string | undefined,
  ) {}
  settle(a: Answer): void {
    this.answer = a;
  }
  private get settled(): Answer {
    if (!this.answer) this.queue.flush();
    if (!this.answer) throw new Error('the statement was not executed (its transaction failed)');
    return this.answer;
  }
  get changes(): number {
    return this.settled.rowCount;
  }
  get lastInsertRowid(): number {
    const row = this.settled.rows[0] as Record<string, number> | undefined;
    return this.idColumn ? (row?.[this.idColumn] ?? 0) : 0;
  }
}

/**
 * Writes inside a transaction, sent with whatever goes next — the next read, savepoint or COMMIT — in ONE
 * round trip through the bridge instead of one each (each round trip blocks the event loop). Their results
 * are read lazily (reading one sends the queue at once); a failing write fails the transaction at the next
 * round trip instead of at its own call — the same outcome for an all-or-nothing transaction.
 */
export class WriteBehind {
  private queued: { q: Query; result: PendingResult | null }[] = [];

  constructor(private readonly client: SyncPgClient) {}

  /** Queues a write; its result resolves when it has been sent. */
  write(q: Query, idColumn?: string): RunResult {
    const result = new PendingResult(this, idColumn);
    this.queued.push({ q, result });
    return result;
  }

  /** Queues a statement whose answer nobody reads (RELEASE SAVEPOINT). */
  later(text: string): void {
    this.queued.push({ q: { text, values: [] }, result: null });
  }

  /** Sends the queue, then `next` (if any), in one round trip; the answer is `next`'s. */
  send(...next: Query[]): Answer {
    const queued = this.queued;
    this.queued = [];
    const all = [...queued.map((x) => x.q), ...next];
    if (all.length === 0) return { rows: [], rowCount: 0 };
    if (all.length === 1) {
      const a = this.client.query(all[0]!.text, all[0]!.values);
      queued[0]?.result?.settle(a);
      return a;
    }
    const answers = this.client.queries(all);
    for (let i = 0; i < queued.length; i++) queued[i]!.result?.settle(answers[i]!);
    return answers[answers.length - 1]!;
  }

  flush(): void {
    if (this.queued.length > 0) this.send();
  }

  /** Drops the queue (the transaction or savepoint it belongs to is rolled back). */
  drop(): void {
    this.queued = [];
  }
}
