import type { Accounting } from '../../energy/result.js';
import type { RegistrySnapshot } from '../../registry/model.js';
import type { ClosedInput, ClosedInputStore } from './closed-store.js';

/**
 * What the overview keeps of closed periods, per factory: the consumption input of the two closed months and
 * the accounting of spans that ended before today. Their data no longer changes — but for late data, which
 * drops every entry whose span ends less than LATE_MARGIN_MS after the earliest instant written (a reading
 * just after a span still shapes its last quarter-hour: counter interpolation, the rise across a silence), and
 * a change of the metering tree or the factory's settings, which drops the factory's entries. An entry read
 * while late data came in is not kept (generation check), so a slow read never re-installs stale figures.
 * With a persisted layer (closed-store.ts, the embedded store), closed inputs also outlive the process: a
 * fresh one reads them from there, dropped by the same rules.
 */
export const LATE_MARGIN_MS = 3_600_000;

type Entry<T> = { toMs: number; value: T };
type FactoryCache = {
  generation: number;
  /** What the closed input was read with: meters, their tree, units and counters. */
  signature: string;
  inputs: Map<string, Entry<Promise<ClosedInput>>>;
  accounts: Map<string, Entry<Accounting>>;
};

/** The part of a monitoring snapshot the closed figures depend on (devices, tree, metrics read). */
export function treeSignature(s: RegistrySnapshot): string {
  return JSON.stringify([
    s.devices.map((d) => [d.id, d.kind, d.medium, d.parentMeter, d.meterRole, d.assetPath, d.name]),
    s.metrics.map((m) => [m.deviceId, m.key, m.quantity, m.unit]),
  ]);
}

export class ClosedPeriodCache {
  private readonly factories = new Map<string, FactoryCache>();

  constructor(private readonly persisted?: ClosedInputStore) {}

  /** The persisted layer is a cache too: when it fails (file gone read-only, closed at stop) it is skipped. */
  private persistedDo<T>(fn: (p: ClosedInputStore) => T): T | null {
    if (!this.persisted) return null;
    try {
      return fn(this.persisted);
    } catch {
      return null;
    }
  }

  /**
   * Dropping kept rows must not fail silently: a row that late data should have dropped would be answered
   * again — by this process on its next miss and by the next start. When the drop fails, the kept rows are
   * distrusted instead (the store stops answering them and the stop is not marked clean).
   */
  private invalidate(fn: (p: ClosedInputStore) => void): void {
    if (!this.persisted) return;
    try {
      fn(this.persisted);
    } catch {
      this.persisted.distrust();
    }
  }

  /** The factory's cache for this tree (dropped and begun again when the tree changed). */
  private of(factoryId: string, signature: string): FactoryCache {
    const hit = this.factories.get(factoryId);
    if (hit && hit.signature === signature) return hit;
    const fresh: FactoryCache = {
      generation: (hit?.generation ?? 0) + 1,
      signature,
      inputs: new Map(),
      accounts: new Map(),
    };
    this.factories.set(factoryId, fresh);
    return fresh;
  }

  /** The closed input of [fromMs, toMs), read once while nothing late arrives. */
  input(
    factoryId: string,
    signature: string,
    fromMs: number,
    toMs: number,
    read: () => Promise<ClosedInput>,
  ): Promise<ClosedInput> {
    const f = this.of(factoryId, signature);
    const key = `${fromMs}-${toMs}`;
    const hit = f.inputs.get(key);
    if (hit) return hit.value;
    const generation = f.generation;
    const kept = this.persistedDo((p) => p.get(factoryId, signature, fromMs, toMs));
    const value = kept ? Promise.resolve(kept) : read();
    f.inputs.set(key, { toMs, value });
    const forget = () => {
      if (f.inputs.get(key)?.value === value) f.inputs.delete(key);
    };
    value.then((input) => {
      if (this.factories.get(factoryId) !== f || f.generation !== generation) forget();
      else if (!kept) this.persistedDo((p) => p.put(factoryId, signature, input));
    }, forget);
    return value;
  }

  /** Accounting of closed spans of the factory (shared by requests until late data or a tree change). */
  accounts(
    factoryId: string,
    signature: string,
  ): {
    get(fromMs: number, toMs: number): Accounting | undefined;
    set(fromMs: number, toMs: number, a: Accounting): void;
  } {
    const f = this.of(factoryId, signature);
    const generation = f.generation;
    return {
      get: (fromMs, toMs) => f.accounts.get(`${fromMs}-${toMs}`)?.value,
      set: (fromMs, toMs, a) => {
        if (f.generation !== generation) return;
        if (f.accounts.size >= 64) f.accounts.clear();
        f.accounts.set(`${fromMs}-${toMs}`, { toMs, value: a });
      },
    };
  }

  /** Data written at or after `earliestTsMs`: entries it can change are dropped. True when an input was. */
  written(factoryId: string, earliestTsMs: number): boolean {
    this.invalidate((p) => p.written(factoryId, earliestTsMs));
    const f = this.factories.get(factoryId);
    if (!f) return false;
    let dropped = false;
    let inputs = false;
    for (const map of [f.inputs, f.accounts] as Map<string, Entry<unknown>>[])
      for (const [k, e] of map)
        if (e.toMs + LATE_MARGIN_MS > earliestTsMs) {
          map.delete(k);
          dropped = true;
          inputs ||= map === (f.inputs as Map<string, Entry<unknown>>);
        }
    if (dropped) f.generation++;
    return inputs;
  }

  /** Everything of a factory (its settings changed), or of every factory. */
  drop(factoryId?: string): void {
    this.invalidate((p) => p.drop(factoryId));
    if (factoryId === undefined) this.factories.clear();
    else this.factories.delete(factoryId);
  }
}
