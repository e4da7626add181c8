import type { Birth, Death, Status } from '@xiang/protocol';
import { type AssetNode, buildAssetTree } from './asset-tree.js';
import { applyBirth, type BirthResult } from './births.js';
import { type Db, immediate } from './db.js';
import { type DeviceView, getDevice, listDevices, patchDeviceOverrides, touchDevices } from './devices.js';
import {
  createFactory,
  deleteLine,
  ensureFactoryRow,
  factoryExists,
  getFactory,
  listFactories,
  listLines,
  putFactory,
  putLine,
} from './factories.js';
import type {
  FactoryProfile,
  LineSettings,
  OnlineTransition,
  RegistryAsset,
  RegistryMetric,
  RegistrySnapshot,
} from './model.js';
import { type OnlineHistoryQuery, onlineHistory, recordTransition, transitionsBefore } from './online.js';
import type { DeviceOverridePatch } from './overrides.js';
import { applyStatus, Ownership } from './ownership.js';
import { migrateRegistry } from './sql.js';

export type AgentInfo = {
  factoryId: string;
  agentId: string;
  currentSessionId: string | null;
  birthAtMs: number | null;
  version: string | null;
  hostname: string | null;
  online: boolean;
  lastMessageAtMs: number | null;
};

/**
 * The asset registry over the platform's SQLite file. Ingest feeds it (births, status, deaths, last seen);
 * the API reads and edits it; the domain gets `snapshot(factoryId)` — plain data.
 */
export class Registry {
  /** Who owns what, and how much of it: read by ingest before it applies a birth or decodes data. */
  readonly ownership: Ownership;

  constructor(readonly db: Db) {
    migrateRegistry(db);
    this.ownership = new Ownership(db);
  }

  // ---- fed by ingest ------------------------------------------------------------------------------

  applyBirth(
    factoryId: string,
    agentId: string,
    birth: Birth,
    nowMs = Date.now(),
    opts: Parameters<typeof applyBirth>[5] = {},
  ): BirthResult {
    return applyBirth(this.db, factoryId, agentId, birth, nowMs, opts);
  }

  /**
   * Applies device reachability reported by the agent, for the devices it owns; returns the number of state
   * changes and the devices refused (unknown or another agent's).
   */
  applyStatus(factoryId: string, agentId: string, status: Status): { changes: number; refused: string[] } {
    return applyStatus(this.db, factoryId, agentId, status);
  }

  /** Admin: hands a device to another agent of its factory; false when the device is unknown. */
  /** Admin: registers an agent before its first birth; false when it is known already. */
  registerAgent(factoryId: string, agentId: string): boolean {
    return this.ownership.register(factoryId, agentId);
  }

  assignDevice(factoryId: string, deviceId: string, agentId: string): boolean {
    return this.ownership.assign(factoryId, deviceId, agentId);
  }

  /**
   * A death (clean shutdown or MQTT Will) takes the agent's devices offline — but only when it belongs to
   * the agent's current session: the Will of a superseded connection can arrive after the new birth.
   */
  applyDeath(
    factoryId: string,
    agentId: string,
    death: Death,
    nowMs = Date.now(),
  ): { applied: boolean; devicesOffline: number } {
    return immediate(this.db, () => {
      const agent = this.agent(factoryId, agentId);
      if (!agent || agent.currentSessionId !== death.sessionId) return { applied: false, devicesOffline: 0 };
      // A Will's payload was written at connect time, so its timestamp says nothing about when the agent died.
      const atMs = death.reason === 'shutdown' && death.timestamp !== undefined ? death.timestamp : nowMs;
      const ids = this.db
        .prepare('SELECT id FROM devices WHERE factoryId = ? AND agentId = ?')
        .all(factoryId, agentId) as { id: string }[];
      let devicesOffline = 0;
      for (const { id } of ids) {
        if (recordTransition(this.db, factoryId, id, false, atMs, `agent death (${death.reason})`))
          devicesOffline++;
      }
      this.db
        .prepare('UPDATE agents SET online = 0 WHERE factoryId = ? AND agentId = ?')
        .run(factoryId, agentId);
      return { applied: true, devicesOffline };
    });
  }

  touchDevices(factoryId: string, lastSeen: Map<string, number>): void {
    if (lastSeen.size > 0) touchDevices(this.db, factoryId, lastSeen);
  }

  agent(factoryId: string, agentId: string): AgentInfo | undefined {
    const r = this.db
      .prepare('SELECT * FROM agents WHERE factoryId = ? AND agentId = ?')
      .get(factoryId, agentId) as (Omit<AgentInfo, 'online'> & { online: number }) | undefined;
    return r ? { ...r, online: r.online === 1 } : undefined;
  }

  agents(factoryId: string): AgentInfo[] {
    const rows = this.db
      .prepare('SELECT * FROM agents WHERE factoryId = ? ORDER BY agentId')
      .all(factoryId) as (Omit<AgentInfo, 'online'> & { online: number })[];
    return rows.map((r) => ({ ...r, online: r.online === 1 }));
  }

  /** The agent's metric table: every index any of its births declared (indices are stable per agent). */
  metricTable(factoryId: string, agentId: string): Map<number, RegistryMetric> {
    const rows = this.db
      .prepare('SELECT def FROM metrics WHERE factoryId = ? AND agentId = ? ORDER BY i')
      .all(factoryId, agentId) as { def: string }[];
    const out = new Map<number, RegistryMetric>();
    for (const r of rows) {
      const m = JSON.parse(r.def) as RegistryMetric;
      out.set(m.i, { ...m, factoryId, agentId });
    }
    return out;
  }

  // ---- read and edited through the API ------------------------------------------------------------

  factories(): FactoryProfile[] {
    return listFactories(this.db);
  }
  factory(factoryId: string): FactoryProfile | undefined {
    return getFactory(this.db, factoryId);
  }
  putFactory(profile: FactoryProfile, nowMs = Date.now()): { created: boolean } {
    return putFactory(this.db, profile, nowMs);
  }
  ensureFactory(factoryId: string, nowMs = Date.now()): void {
    ensureFactoryRow(this.db, factoryId, nowMs);
  }
  /** Admin: creates a factory; false when it exists already (then nothing changes). */
  createFactory(profile: Parameters<typeof createFactory>[1], nowMs = Date.now()): boolean {
    return createFactory(this.db, profile, nowMs);
  }
  hasFactory(factoryId: string): boolean {
    return factoryExists(this.db, factoryId);
  }

  assets(factoryId: string): RegistryAsset[] {
    return this.db
      .prepare('SELECT factoryId, path, level, name FROM assets WHERE factoryId = ? ORDER BY path')
      .all(factoryId)
      .map((r) => {
        const a = r as RegistryAsset & { name: string | null };
        return a.name === null ? { factoryId: a.factoryId, path: a.path, level: a.level } : a;
      }) as RegistryAsset[];
  }

  assetTree(factoryId: string): AssetNode {
    return buildAssetTree(
      this.factory(factoryId)?.name || undefined,
      this.assets(factoryId),
      this.devices(factoryId),
    );
  }

  devices(factoryId: string): DeviceView[] {
    return listDevices(this.db, factoryId);
  }
  device(factoryId: string, deviceId: string): DeviceView | undefined {
    return getDevice(this.db, factoryId, deviceId);
  }
  patchDevice(
    factoryId: string,
    deviceId: string,
    patch: DeviceOverridePatch,
    nowMs = Date.now(),
  ): DeviceView | undefined {
    return patchDeviceOverrides(this.db, factoryId, deviceId, patch, nowMs);
  }

  /** The factory's metrics: each as declared by the agent that owns its device (other declarations are refused). */
  metrics(factoryId: string): RegistryMetric[] {
    const rows = this.db
      .prepare(
        `SELECT m.agentId, m.def FROM metrics m JOIN devices d ON d.factoryId = m.factoryId AND d.id = m.deviceId
         WHERE m.factoryId = ? AND d.agentId = m.agentId ORDER BY m.deviceId, m.key, m.agentId`,
      )
      .all(factoryId) as { agentId: string; def: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.def) as RegistryMetric), factoryId, agentId: r.agentId }));
  }

  lines(factoryId: string): LineSettings[] {
    return listLines(this.db, factoryId);
  }
  putLine(settings: LineSettings): void {
    putLine(this.db, settings);
  }
  deleteLine(factoryId: string, path: string): boolean {
    return deleteLine(this.db, factoryId, path);
  }

  onlineHistory(factoryId: string, q: OnlineHistoryQuery = {}): OnlineTransition[] {
    return onlineHistory(this.db, factoryId, q);
  }

  /**
   * Everything the pure domain needs about one factory. With a history window, the online history holds each
   * device's last transition before the window (its state at the start) followed by the window's transitions.
   */
  snapshot(factoryId: string, opts: { historyFromMs?: number; historyToMs?: number } = {}): RegistrySnapshot {
    const read = this.db.transaction(() => ({
      factory: this.factory(factoryId),
      assets: this.assets(factoryId),
      devices: this.devices(factoryId).map(({ onlineSinceMs, onlineReason, overridden, ...d }) => d),
      metrics: this.metrics(factoryId),
      lines: this.lines(factoryId),
      onlineHistory: [
        ...(opts.historyFromMs !== undefined
          ? transitionsBefore(this.db, factoryId, opts.historyFromMs)
          : []),
        ...this.onlineHistory(factoryId, { fromMs: opts.historyFromMs, toMs: opts.historyToMs }),
      ],
    }));
    const s = read();
    if (!s.factory) throw new Error(`unknown factory "${factoryId}"`);
    return { ...s, factory: s.factory };
  }
}
