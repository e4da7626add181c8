import type { Logger } from 'pino';
import type { FactorySettingsStore } from '../registry/factory-settings.js';
import type { Registry } from '../registry/registry.js';
import type { TimeSeriesStore } from '../store/types.js';
import { ALARM_KINDS } from './kinds.js';
import { LiveData } from './live-data.js';
import type { AlarmRepository } from './repository.js';
import type { Alarm, AlarmContext, AlarmEvent, AlarmKind } from './types.js';

/**
 * The alarm engine: every factory is evaluated every `evaluationIntervalS` (its settings), one evaluation at a
 * time; each kind's conditions are matched against the active alarms (raise / update / clear) and every change
 * is announced to subscribers (the API's Server-Sent Events). A kind that fails leaves its alarms as they were
 * and is logged — a read error never clears an alarm.
 */
export type AlarmStatus = {
  intervalS: number;
  evaluations: number;
  lastStartedMs: number | null;
  lastDurationMs: number | null;
  lastError: string | null;
  kinds: string[];
};

const DAY_MS = 86_400_000;

export class AlarmService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly nextDue = new Map<string, number>();
  private readonly listeners = new Map<string, Set<(e: AlarmEvent) => void>>();
  private readonly stats = new Map<string, Omit<AlarmStatus, 'intervalS' | 'kinds'>>();
  private readonly kinds: AlarmKind[];

  constructor(
    private readonly deps: {
      registry: Registry;
      store: TimeSeriesStore;
      settings: FactorySettingsStore;
      repo: AlarmRepository;
      log?: Logger;
      now?: () => number;
      kinds?: AlarmKind[];
      /** How often due factories are looked for (default 1 s). */
      tickMs?: number;
      /**
       * Instances sharing one repository: true on the one instance that evaluates alarms now (a lease renewed at
       * every tick), so that an alarm is raised once, not once per instance. Absent = always.
       */
      leader?: () => boolean;
    },
  ) {
    this.kinds = deps.kinds ?? ALARM_KINDS;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.tick(), this.deps.tickMs ?? 1000);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running || this.closed) return;
    if (this.deps.leader && !this.deps.leader()) return;
    const now = this.now();
    const due = this.deps.registry
      .factories()
      .map((f) => f.id)
      .filter((id) => (this.nextDue.get(id) ?? 0) <= now);
    if (!due.length) return;
    this.running = (async () => {
      for (const id of due) {
        if (this.closed) return;
        const interval = this.deps.settings.get(id).alarms.evaluationIntervalS * 1000;
        // Scheduled from the planned time, so evaluations stay `interval` apart however long one takes.
        const planned = this.nextDue.get(id) ?? now;
        this.nextDue.set(id, Math.max(planned + interval, this.now() + 1));
        await this.evaluate(id).catch((e) =>
          this.deps.log?.error({ err: e, factoryId: id }, 'alarm evaluation failed'),
        );
      }
    })().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  /** Evaluates one factory now (also what the timer calls). */
  async evaluate(factoryId: string): Promise<void> {
    const { registry, store, settings, repo, log } = this.deps;
    const started = this.now();
    const s = settings.get(factoryId);
    const snapshot = registry.snapshot(factoryId, {
      historyFromMs: started - DAY_MS,
      historyToMs: started + 1,
    });
    const mainIncomerId =
      (s.mainIncomerId && snapshot.devices.some((d) => d.id === s.mainIncomerId) ? s.mainIncomerId : null) ??
      snapshot.devices.find((d) => d.kind === 'meter' && d.meterRole === 'mainIncomer')?.id ??
      null;
    const ctx: AlarmContext = {
      factoryId,
      nowMs: started,
      snapshot,
      calendar: snapshot.factory.calendar,
      thresholds: s.alarms,
      mainIncomerId,
      data: new LiveData(store, snapshot),
    };
    const active = new Map(repo.active(factoryId).map((a) => [`${a.kind}\u0000${a.key}`, a]));
    let lastError: string | null = null;
    for (const kind of this.kinds) {
      let conditions: Awaited<ReturnType<AlarmKind['evaluate']>>;
      try {
        conditions = await kind.evaluate(ctx);
      } catch (e) {
        lastError = `${kind.id}: ${e instanceof Error ? e.message : String(e)}`;
        log?.warn(
          { err: e, factoryId, kind: kind.id },
          'alarm kind failed; its alarms are left as they were',
        );
        for (const k of [...active.keys()]) if (k.startsWith(`${kind.id}\u0000`)) active.delete(k);
        continue;
      }
      for (const c of conditions) {
        const k = `${kind.id}\u0000${c.key}`;
        const was = active.get(k);
        active.delete(k);
        if (!was) this.emit({ type: 'raised', alarm: repo.raise(factoryId, kind.id, c, started) });
        else {
          const now = repo.update(was, c, started);
          if (now.severity !== was.severity) this.emit({ type: 'updated', alarm: now });
        }
      }
    }
    const kindIds = new Set(this.kinds.map((k) => k.id));
    for (const a of active.values())
      if (kindIds.has(a.kind)) this.emit({ type: 'cleared', alarm: repo.clear(a, started) });
    const prev = this.stats.get(factoryId);
    this.stats.set(factoryId, {
      evaluations: (prev?.evaluations ?? 0) + 1,
      lastStartedMs: started,
      lastDurationMs: this.now() - started,
      lastError,
    });
  }

  status(factoryId: string): AlarmStatus {
    const s = this.stats.get(factoryId);
    return {
      intervalS: this.deps.settings.get(factoryId).alarms.evaluationIntervalS,
      evaluations: s?.evaluations ?? 0,
      lastStartedMs: s?.lastStartedMs ?? null,
      lastDurationMs: s?.lastDurationMs ?? null,
      lastError: s?.lastError ?? null,
      kinds: this.kinds.map((k) => k.id),
    };
  }

  active(factoryId: string): Alarm[] {
    return this.deps.repo.active(factoryId);
  }

  history(factoryId: string, fromMs: number, toMs: number, limit: number): Alarm[] {
    return this.deps.repo.history(factoryId, fromMs, toMs, limit);
  }

  acknowledge(factoryId: string, id: number, by: string, note: string | null): Alarm | undefined {
    const a = this.deps.repo.get(factoryId, id);
    if (!a) return undefined;
    const acked = this.deps.repo.acknowledge(a, by, note, this.now());
    this.emit({ type: 'acknowledged', alarm: acked });
    return acked;
  }

  /** Thresholds or the interval changed: evaluate at the next tick. */
  settingsChanged(factoryId: string): void {
    this.nextDue.set(factoryId, 0);
  }

  subscribe(factoryId: string, fn: (e: AlarmEvent) => void): () => void {
    const set = this.listeners.get(factoryId) ?? new Set();
    set.add(fn);
    this.listeners.set(factoryId, set);
    return () => set.delete(fn);
  }

  private emit(e: AlarmEvent): void {
    for (const fn of this.listeners.get(e.alarm.factoryId) ?? []) {
      try {
        fn(e);
      } catch (err) {
        this.deps.log?.warn({ err }, 'alarm listener failed');
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (let i = 0; i < 1000 && this.running; i++) await this.running;
    this.listeners.clear();
  }
}
