import type { Medium } from '@xiang/protocol';
import type { DiagnosisOptionsInput } from '../../energy/types.js';
import type { FactorySettingsStore } from '../../registry/factory-settings.js';
import type { RegistrySnapshot } from '../../registry/model.js';
import type { Registry } from '../../registry/registry.js';
import type { TimeSeriesStore } from '../../store/types.js';
import { ClosedPeriodCache, treeSignature } from './closed-cache.js';
import { type ClosedInputStore, closedInputOf } from './closed-store.js';
import { dataExtent } from './extent.js';
import { buildFlow } from './flow.js';
import {
  concatInputs,
  DAY_MS,
  loadMonitoringInputs,
  monitoringSnapshot,
  periodsAt,
  SLOT_MS,
} from './inputs.js';
import { buildMeterLoad } from './meter-load.js';
import { buildOverview } from './overview.js';
import type { DataExtent, EnergyFlow, EnergyOverview, MeterLoad } from './schemas.js';
import { type ResolvedTariff, resolveTariff } from './tariff.js';

/**
 * Energy monitoring for the console: the overview (the landing page), the energy flow (Sankey) and a node's
 * load curve and heat map, plus the data extent every default period is clipped to. I/O here (registry,
 * store, settings), figures from the pure accounting. Answers are kept for a few seconds per question, so
 * several screens refreshing together read the store once; closed months and the accounting of spans before
 * today are kept until late data arrives (`written`, fed by the store's write observer) or the metering tree
 * or settings change (closed-cache.ts).
 */
export class MonitoringError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'MonitoringError';
  }
}

export const MAX_FLOW_DAYS = 400;
const CACHE_MS = 15_000;
/**
 * A store other processes also write (InfluxDB shared by scale-out instances): their late data is not seen
 * by this process's write observer, so closed periods are read again after this long. The embedded store has
 * one writer, this process: its closed periods are kept until late data or a change.
 */
const SHARED_STORE_CLOSED_MS = 10 * 60_000;

/** Closed months are read ahead this long after the platform started, or after late data dropped them. */
const PREPARE_AT_START_MS = 2_000;
const PREPARE_AFTER_LATE_MS = 30_000;

export class EnergyMonitoringService {
  private readonly prepareTimers = new Map<string, NodeJS.Timeout>();
  private closedForGood = false;
  private readonly cache = new Map<string, { atMs: number; value: Promise<unknown> }>();
  private readonly closed: ClosedPeriodCache;
  /** When each factory's closed periods were last dropped for age (shared stores only). */
  private readonly closedSince = new Map<string, number>();

  constructor(
    private readonly deps: {
      registry: Registry;
      store: TimeSeriesStore;
      settings: FactorySettingsStore;
      now?: () => number;
      /** Closed months kept across restarts (the embedded store, which only this process writes). */
      closedInputs?: ClosedInputStore;
    },
  ) {
    this.closed = new ClosedPeriodCache(deps.closedInputs);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private cached<T>(key: string, make: () => Promise<T>): Promise<T> {
    const now = this.now();
    for (const [k, v] of this.cache) if (now - v.atMs > CACHE_MS) this.cache.delete(k);
    const hit = this.cache.get(key);
    if (hit) return hit.value as Promise<T>;
    const value = make();
    this.cache.set(key, { atMs: now, value });
    value.catch(() => this.cache.delete(key));
    return value;
  }

  /** Forget cached answers of a factory (its settings changed). */
  invalidate(factoryId: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${factoryId}|`)) this.cache.delete(k);
    this.closed.drop(factoryId);
  }

  /** Data of a factory was written from `earliestTsMs` on (late data drops the closed periods it changes). */
  written(factoryId: string, earliestTsMs: number): void {
    if (this.closed.written(factoryId, earliestTsMs)) this.prepareLater(factoryId, PREPARE_AFTER_LATE_MS);
    // A cached answer covering that instant is stale too.
    if (earliestTsMs < this.now() - CACHE_MS) this.invalidateAnswers(factoryId);
  }

  /**
   * Reads the closed months of every factory ahead of its first overview (the landing page), in the
   * background, one factory after another: at start, and again once late data (a history replay, an agent's
   * queue) that dropped them has settled. A request arriving meanwhile shares the read under way.
   */
  prepareAtStart(): void {
    for (const f of this.deps.registry.factories()) this.prepareLater(f.id, PREPARE_AT_START_MS);
  }

  private prepareLater(factoryId: string, delayMs: number): void {
    if (this.closedForGood) return;
    clearTimeout(this.prepareTimers.get(factoryId));
    const timer = setTimeout(() => {
      this.prepareTimers.delete(factoryId);
      this.prepare(factoryId).catch(() => {}); // best effort: the overview reads them itself when asked
    }, delayMs);
    timer.unref();
    this.prepareTimers.set(factoryId, timer);
  }

  /** The closed months of one factory read into the cache (what overview() would read first). */
  async prepare(factoryId: string): Promise<void> {
    const profile = this.deps.registry.factory(factoryId);
    if (!profile || this.closedForGood) return;
    const p = periodsAt(this.now(), profile.calendar?.utcOffsetMinutes ?? 480);
    const snapshot = this.snapshot(factoryId, p.monthBeforeStart, p.nowMs);
    if (!snapshot.devices.some((d) => d.kind === 'meter')) return;
    const { cache, signature } = this.closedOf(factoryId, snapshot);
    await cache.input(factoryId, signature, p.monthBeforeStart, p.monthStart, () =>
      loadMonitoringInputs(this.deps.store, snapshot, p.monthBeforeStart, p.monthStart).then(closedInputOf),
    );
  }

  /** No more reading ahead (the platform is stopping). */
  close(): void {
    this.closedForGood = true;
    for (const t of this.prepareTimers.values()) clearTimeout(t);
    this.prepareTimers.clear();
  }

  private invalidateAnswers(factoryId: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${factoryId}|`)) this.cache.delete(k);
  }

  /** The closed periods of a factory as kept: on a shared store, dropped after SHARED_STORE_CLOSED_MS. */
  private closedOf(factoryId: string, snapshot: RegistrySnapshot) {
    if (this.deps.store.kind !== 'embedded') {
      const now = this.now();
      const since = this.closedSince.get(factoryId);
      if (since === undefined || now - since > SHARED_STORE_CLOSED_MS) {
        this.closed.drop(factoryId);
        this.closedSince.set(factoryId, now);
      }
    }
    return { cache: this.closed, signature: treeSignature(monitoringSnapshot(snapshot)) };
  }

  private snapshot(factoryId: string, fromMs: number, toMs: number) {
    if (!this.deps.registry.factory(factoryId))
      throw new MonitoringError(404, `factory "${factoryId}" is not known`);
    return this.deps.registry.snapshot(factoryId, { historyFromMs: fromMs - DAY_MS, historyToMs: toMs });
  }

  /** The tariff the factory's settings say, as accounting options (also what diagnosis runs default to). */
  tariff(factoryId: string): ResolvedTariff {
    return resolveTariff(this.deps.settings.get(factoryId).tariff);
  }

  /** Diagnosis options from the factory settings: the tariff and the two-part tariff's demand price. */
  diagnosisDefaults(factoryId: string): DiagnosisOptionsInput {
    return this.tariff(factoryId).options;
  }

  overview(factoryId: string, atMs?: number): Promise<EnergyOverview> {
    const at = atMs ?? this.now();
    const key = `${factoryId}|overview|${atMs === undefined ? Math.floor(at / 10_000) : at}`;
    return this.cached(key, async () => {
      const profile = this.deps.registry.factory(factoryId);
      const offset = profile?.calendar?.utcOffsetMinutes ?? 480;
      const p = periodsAt(at, offset);
      const snapshot = this.snapshot(factoryId, p.monthBeforeStart, p.nowMs);
      const { cache, signature } = this.closedOf(factoryId, snapshot);
      const store = this.deps.store;
      const [closed, current] = await Promise.all([
        cache.input(factoryId, signature, p.monthBeforeStart, p.monthStart, () =>
          loadMonitoringInputs(store, snapshot, p.monthBeforeStart, p.monthStart).then(closedInputOf),
        ),
        loadMonitoringInputs(store, snapshot, p.monthStart, p.nowMs, { lineOutput: true }),
      ]);
      const input = concatInputs(closed, current);
      const settings = this.deps.settings.get(factoryId);
      const tariff = resolveTariff(settings.tariff);
      const ctx = {
        input,
        tariff,
        settings: settings.tariff,
        mainIncomerId: settings.mainIncomerId,
        closedAccounts: cache.accounts(factoryId, signature),
        closedBeforeMs: p.todayStart,
      };
      return buildOverview(snapshot, ctx, p, at, offset);
    });
  }

  flow(factoryId: string, fromMs: number, toMs: number, medium: Medium): Promise<EnergyFlow> {
    const { from, to } = this.period(fromMs, toMs);
    return this.cached(`${factoryId}|flow|${from}|${to}|${medium}`, async () => {
      const snapshot = this.snapshot(factoryId, from, to);
      const input = await loadMonitoringInputs(this.deps.store, snapshot, from, to);
      return buildFlow(factoryId, input, medium, this.tariff(factoryId).options);
    });
  }

  meterLoad(factoryId: string, meterId: string, fromMs: number, toMs: number): Promise<MeterLoad> {
    const { from, to } = this.period(fromMs, toMs);
    return this.cached(`${factoryId}|load|${meterId}|${from}|${to}`, async () => {
      const snapshot = this.snapshot(factoryId, from, to);
      const device = snapshot.devices.find((d) => d.id === meterId);
      if (!device) throw new MonitoringError(404, `no device "${meterId}" in factory "${factoryId}"`);
      const input = await loadMonitoringInputs(this.deps.store, snapshot, from, to, {
        meterIds: new Set([meterId]),
      });
      if (!input.meters.some((m) => m.deviceId === meterId))
        throw new MonitoringError(404, `device "${meterId}" has no consumption counter or power metric`);
      return buildMeterLoad(
        factoryId,
        input,
        meterId,
        device.name ?? meterId,
        this.tariff(factoryId).options,
      );
    });
  }

  extent(factoryId: string): Promise<DataExtent> {
    return this.cached(`${factoryId}|extent`, async () => {
      const now = this.now();
      return dataExtent(this.deps.store, this.snapshot(factoryId, now, now), now);
    });
  }

  private period(fromMs: number, toMs: number): { from: number; to: number } {
    const from = Math.floor(fromMs / SLOT_MS) * SLOT_MS;
    const to = Math.ceil(toMs / SLOT_MS) * SLOT_MS;
    if (!(to > from)) throw new MonitoringError(400, 'the period must end after it starts (to > from)');
    if (to - from > MAX_FLOW_DAYS * DAY_MS)
      throw new MonitoringError(400, `at most ${MAX_FLOW_DAYS} days per request`);
    return { from, to };
  }
}
