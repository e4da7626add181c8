import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import { collectDefaultMetrics, Registry as PromRegistry } from 'prom-client';
import { AlarmRepository, AlarmService } from './alarms/index.js';
import { buildApi } from './api/server.js';
import type { ApiDeps, Readiness } from './api/types.js';
import { redactUrl } from './auth/redact.js';
import { ADMIN_TOKEN_FILE, TokenStore } from './auth/tokens.js';
import { storageSynchronous } from './config/durability.js';
import { assertHttpExposureAllowed, httpsOptions } from './config/http-exposure.js';
import { parseConfig } from './config/load.js';
import { ensurePrivateDir, ensurePrivateFile, tightenTree } from './config/private-files.js';
import type { PlatformConfig, PlatformConfigInput } from './config/schema.js';
import { createIngest, type Ingest } from './ingest/ingest.js';
import { FactorySettingsStore } from './registry/factory-settings.js';
import { Registry } from './registry/registry.js';
import { holdWhileAlive, instanceLease, Leases, openRepository } from './repository/index.js';
import { DiagnosisRepository } from './services/diagnoses/repository.js';
import { DiagnosisService } from './services/diagnoses/service.js';
import { EnergyMonitoringService } from './services/energy-monitoring/index.js';
import { createSparkplug } from './sparkplug/index.js';
import { createStore } from './store/index.js';
import type { TimeSeriesStore } from './store/types.js';

export const PLATFORM_VERSION = '0.1.0';
/** How long an instance that stopped renewing is still taken for alive (its runs are failed after that). */
const INSTANCE_LEASE_MS = 30_000;
/** One instance evaluates alarms; when it stops renewing, another takes over after this long. */
const ALARMS_LEASE_MS = 15_000;

export type RunningPlatform = {
  /** Base URL of the API, e.g. http://127.0.0.1:8080, https://… with http.tls (docs at `${url}/docs`). */
  url: string;
  /** The bootstrap admin token: configured, or generated (kept in dataDir/admin-token across starts). */
  adminToken: string;
  /** Where the admin token came from: configured, kept from an earlier start, or new at this start. */
  adminTokenSource: 'configured' | 'kept' | 'new';
  config: PlatformConfig;
  registry: Registry;
  store: TimeSeriesStore;
  ingest: Ingest;
  log: Logger;
  /** Graceful: stops HTTP, finishes and acknowledges the message in hand, flushes the store, closes files. */
  stop(): Promise<void>;
  /** Crash simulation for tests: drops the broker connection without acknowledging anything further. */
  abort(): Promise<void>;
};

export type StartOptions = {
  logger?: Logger;
  /** Use this store instead of the configured one (it is then not closed by stop()). */
  store?: TimeSeriesStore;
};

/**
 * Starts the platform: SQLite registry and tokens in dataDir, the time-series store (embedded SQLite, or
 * InfluxDB when store.influxUrl is set), MQTT ingest, and the HTTP API.
 */
export async function startPlatform(
  input: PlatformConfigInput | PlatformConfig = {},
  opts: StartOptions = {},
): Promise<RunningPlatform> {
  const config = parseConfig(input);
  assertHttpExposureAllowed(config.http);
  const https = httpsOptions(config.http);
  const log =
    opts.logger ??
    pino({
      level: config.logLevel,
      base: { service: 'xiang-platform' },
      timestamp: pino.stdTimeFunctions.isoTime,
    });
  ensurePrivateDir(config.dataDir);
  const cleanup: (() => Promise<void> | void)[] = [];
  const undo = async () => {
    for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    const synchronous = storageSynchronous(config);
    if (config.repository.kind === 'sqlite') ensurePrivateFile(path.join(config.dataDir, 'platform.db'));
    const repository = openRepository(config.repository, {
      dataDir: config.dataDir,
      synchronous: synchronous.registry,
    });
    const db = repository.db;
    cleanup.push(() => {
      repository.close();
    });
    // This process's identity in the shared repository: its diagnosis runs are live while its lease is.
    const instanceId = randomUUID();
    const leases = new Leases(db, instanceId);
    const registry = new Registry(db);
    const tokens = new TokenStore(db);
    const admin = tokens.bootstrapAdmin(config.adminToken, {
      file: path.join(config.dataDir, ADMIN_TOKEN_FILE),
    });

    const ownStore = !opts.store;
    const storeConfig = { ...config.store, synchronous: synchronous.store, dataDir: config.dataDir };
    const store = opts.store ?? (await createStore(storeConfig));
    if (ownStore) cleanup.push(() => store.close());

    const promRegistry = new PromRegistry();
    collectDefaultMetrics({ register: promRegistry, prefix: 'xiang_' });
    const sparkplug = config.sparkplug.enabled
      ? createSparkplug(config.sparkplug, { log: log.child({ component: 'sparkplug' }), promRegistry })
      : undefined;
    const ingest = createIngest({
      registry,
      store,
      log,
      mqtt: config.mqtt,
      ingest: config.ingest,
      promRegistry,
      ...(sparkplug ? { extraRoutes: sparkplug.routes } : {}),
    });
    cleanup.push(() => ingest.abort());

    const readiness = (): Readiness => {
      const h = store.health();
      const brokerOk = ingest.ready();
      const checks: Readiness['checks'] = {
        store: h.ok
          ? { ok: true, detail: h.kind }
          : { ok: false, detail: h.lastError ?? `${h.kind} store not healthy` },
        broker: brokerOk
          ? { ok: true, detail: config.mqtt.url }
          : { ok: false, detail: ingest.mqtt?.error ?? `not connected to ${config.mqtt.url}` },
      };
      // Details may quote URLs (a driver's error message too): served without their credentials.
      for (const c of Object.values(checks)) if (c.detail) c.detail = redactUrl(c.detail);
      return { ready: h.ok && brokerOk, checks };
    };
    const factorySettings = new FactorySettingsStore(db);
    const monitoring = new EnergyMonitoringService({ registry, store, settings: factorySettings });
    const runs = new DiagnosisRepository(db, {
      instanceId,
      isAlive: (id) => leases.holderOf(instanceLease(id)) === id,
    });
    const diagnoses = new DiagnosisService({
      registry,
      store,
      repo: runs,
      log: log.child({ component: 'diagnoses' }),
      defaultOptions: (factoryId) => monitoring.diagnosisDefaults(factoryId),
    });
    cleanup.push(() => diagnoses.close());
    const stopLease = holdWhileAlive(
      leases,
      instanceLease(instanceId),
      INSTANCE_LEASE_MS,
      () => {
        const n = runs.failInterrupted(Date.now(), 'interrupted: the instance running it stopped responding');
        if (n > 0) log.warn({ runs: n }, 'diagnosis runs of an instance that is gone marked failed');
      },
      (e) => log.warn({ err: e }, 'instance lease not renewed'),
    );
    cleanup.push(() => stopLease());
    const alarms = new AlarmService({
      registry,
      store,
      settings: factorySettings,
      repo: new AlarmRepository(db),
      log: log.child({ component: 'alarms' }),
      leader: () => {
        try {
          return leases.tryAcquire('alarms', ALARMS_LEASE_MS);
        } catch {
          return false; // the repository is unreachable: nobody evaluates rather than everybody
        }
      },
    });
    cleanup.push(() => alarms.close());
    const deps: ApiDeps = {
      registry,
      store,
      tokens,
      ingest,
      promRegistry,
      readiness,
      version: PLATFORM_VERSION,
      diagnoses,
      monitoring,
      factorySettings,
      alarms,
      rateLimits: config.http.rateLimit,
    };
    const app = await buildApi(deps, log, { https });
    cleanup.push(() => app.close());
    await app.listen({ host: config.http.host, port: config.http.port });
    alarms.start();
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
    const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const url = `${https ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    // Files the store created (and any an older version left wider) become private too.
    tightenTree(config.dataDir);
    log.info(
      {
        url,
        docs: `${url}/docs`,
        store: store.kind,
        repository: repository.where,
        instanceId,
        mqtt: redactUrl(config.mqtt.url),
        dataDir: config.dataDir,
      },
      'platform started',
    );

    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      log.info('platform stopping');
      await alarms.close();
      await app.close();
      await diagnoses.close(); // a run in progress stops at its next store batch, before the store closes
      await ingest.stop();
      if (ownStore) {
        await store.flush();
        await store.close();
      }
      stopLease();
      repository.close();
      log.info('platform stopped');
    };
    const abort = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      await ingest.abort();
      await alarms.close();
      await app.close();
      await diagnoses.close();
      if (ownStore) await store.close();
      stopLease(false);
      repository.close(); // a crash: the instance lease is not released, it expires
    };
    const adminToken = admin.token;
    const adminTokenSource = admin.source;
    return { url, adminToken, adminTokenSource, config, registry, store, ingest, log, stop, abort };
  } catch (e) {
    await undo();
    throw e;
  }
}
