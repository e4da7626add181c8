import type { Medium } from '@xiang/protocol';
import type { Accounting } from '../../energy/result.js';
import type { DiagnosisInput, DiagnosisOptionsInput } from '../../energy/types.js';
import type { FactorySettingsStore } from '../../registry/factory-settings.js';
import type { RegistrySnapshot } from '../../registry/model.js';
import type { Registry } from '../../registry/registry.js';
import type { TimeSeriesStore } from '../../store/types.js';
import { dataExtent } from './extent.js';
import { buildFlow } from './flow.js';
import { concatInputs, DAY_MS, loadMonitoringInputs, periodsAt, SLOT_MS } from './inputs.js';
import { buildMeterLoad } from './meter-load.js';
import { buildOverview } from './overview.js';
import type { DataExtent, EnergyFlow, EnergyOverview, MeterLoad } from './schemas.js';
import { type ResolvedTariff, resolveTariff } from './tariff.js';

/**
 * Energy monitoring for the console: the overview (the landing page), the energy flow (Sankey) and a node's
 * load curve and heat map, plus the data extent every default period is clipped to. I/O here (registry,
 * store, settings), figures from the pure accounting. Answers are kept for a few seconds per question, so
 * several screens refreshing together read the store once.
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
/** Closed months (last month and the one before) are read again after this long (late data, settings). */
const CLOSED_MS = 10 * 60_000;

export class EnergyMonitoringService {
  private readonly cache = new Map<string, { atMs: number; value: Promise<unknown> }>();
  private readonly closed = new Map<string, { atMs: number; value: Promise<DiagnosisInput> }>();
  /** Accounting of closed spans per factory, dropped with the closed months' input. */
  private readonly closedAccounts = new Map<string, Map<string, Accounting>>();

  constructor(
    private readonly deps: {
      registry: Registry;
      store: TimeSeriesStore;
      settings: FactorySettingsStore;
      now?: () => number;
    },
  ) {}

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
    for (const k of this.closed.keys()) if (k.startsWith(`${factoryId}|`)) this.closed.delete(k);
    this.closedAccounts.delete(factoryId);
  }

  /** Consumption of the two closed months before this one, read once per CLOSED_MS. */
  private closedMonths(factoryId: string, snapshot: RegistrySnapshot, fromMs: number, toMs: number) {
    const now = this.now();
    for (const [k, v] of this.closed)
      if (now - v.atMs > CLOSED_MS) {
        this.closed.delete(k);
        this.closedAccounts.delete(k.slice(0, k.indexOf('|')));
      }
    const key = `${factoryId}|${fromMs}|${toMs}`;
    let hit = this.closed.get(key);
    if (!hit) {
      const value = loadMonitoringInputs(this.deps.store, snapshot, fromMs, toMs);
      value.catch(() => this.closed.delete(key));
      hit = { atMs: now, value };
      this.closed.set(key, hit);
    }
    return hit.value;
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
      const [closed, current] = await Promise.all([
        this.closedMonths(factoryId, snapshot, p.monthBeforeStart, p.monthStart),
        loadMonitoringInputs(this.deps.store, snapshot, p.monthStart, p.nowMs, { lineOutput: true }),
      ]);
      const input = concatInputs(closed, current);
      const settings = this.deps.settings.get(factoryId);
      const tariff = resolveTariff(settings.tariff);
      const accounts = this.closedAccounts.get(factoryId) ?? new Map<string, Accounting>();
      if (accounts.size > 64) accounts.clear();
      this.closedAccounts.set(factoryId, accounts);
      const ctx = {
        input,
        tariff,
        settings: settings.tariff,
        mainIncomerId: settings.mainIncomerId,
        closedAccounts: accounts,
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
