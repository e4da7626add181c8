/**
 * `npm start` — the whole xiang-iiot stack in one process, on embedded defaults:
 *   embedded MQTT broker (aedes, per-client credentials and ACL) → platform (embedded SQLite store) ← edge agent
 *   ← OPC UA + MQTT simulators.
 * The first start sends `--history-days` of simulated history through the real path (as an agent replays its
 * queue); a later start on the same data directory resumes where the stored history ends (scripts/start/history.ts).
 * `npm start -- --help` lists the options (scripts/start/options.ts).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startAgent } from '@xiang/edge-agent';
import {
  loadScenario,
  scenarioRegistrySettings,
  startMqttDeviceSimulator,
  startOpcuaSimulator,
} from '@xiang/simulators';
import pino from 'pino';
import { redactUrl } from '../platform/src/auth/redact.js';
import { startEmbeddedBroker } from '../platform/src/broker/embedded.js';
import { announceServer } from '../platform/src/commands/data-dir-lock.js';
import type { PlatformConfigInput } from '../platform/src/config/index.js';
import { startPlatform } from '../platform/src/main.js';
import { factoryProfileSchema, lineSettingsSchema } from '../platform/src/registry/model.js';
import { freePort } from '../tests/harness/ports.js';
import { shippedAgentConfig, writeAgentConfig } from './start/agent-config.js';
import { startCredentials } from './start/credentials.js';
import { prepareSimulation } from './start/history.js';
import { Lifecycle } from './start/lifecycle.js';
import { parseStartOptions, START_SYNOPSIS, START_USAGE, StartUsageError } from './start/options.js';
import { checkScenario, readStartState, StartStateError, wipeStartData } from './start/state.js';

const say = (line: string) => process.stdout.write(`${line}\n`);
let o: ReturnType<typeof parseStartOptions>;
try {
  o = parseStartOptions(process.argv.slice(2), process.env);
} catch (e) {
  if (!(e instanceof StartUsageError)) throw e;
  process.stderr.write(`npm start: ${e.message}\nusage: ${START_SYNOPSIS}\n`);
  process.exit(2);
}
if (!o) {
  say(START_USAGE);
  process.exit(0);
}
const opts = o;
const dataDir = opts.dataDir;
if (opts.fresh) {
  const removed = await wipeStartData(
    dataDir,
    opts.influx ? { url: opts.influx, database: 'xiang' } : undefined,
  );
  say(
    removed.length
      ? `--fresh: 已删除 removed ${removed.join(', ')} in ${dataDir}`
      : `--fresh: ${dataDir} was empty`,
  );
}
mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
const logFile = path.join(dataDir, 'logs', 'xiang.log');
const log = pino(
  { level: opts.logLevel, timestamp: pino.stdTimeFunctions.isoTime },
  pino.destination({ dest: logFile, mkdir: true }),
);
const life = new Lifecycle(say, (name, e) => log.error({ err: String(e), name }, 'stop failed'));
life.installSignalHandlers();
const stopped = () => life.signal.aborted;

try {
  const state = readStartState(dataDir); // before anything writes into dataDir
  if (state) checkScenario(state, opts.scenario);
  const scenario = await loadScenario(opts.scenario);
  const factoryId = scenario.factory.id;
  const agentId = (shippedAgentConfig(opts.scenario)?.agentId as string | undefined) ?? 'edge1';

  // 1. Broker: external MQTT 5 broker when given, else the embedded aedes broker (MQTT 3.1.1) with credentials.
  const external = opts.broker;
  const creds = external ? null : await startCredentials(dataDir, factoryId, agentId);
  const brokerLog = log.child({ service: 'broker' });
  // The platform's MQTT client id: the embedded broker admits only it until the platform's ingest takes
  // agent messages over (then it acknowledges each only once stored — platform/src/broker/ingest-handoff.ts).
  const platformClientId = 'xiang-platform';
  const broker = creds
    ? await startEmbeddedBroker({
        port: opts.mqttPort,
        users: creds.users,
        ingestClientId: platformClientId,
        onRefusal: (r) => brokerLog.warn(r, 'broker refused a client action'),
      })
    : null;
  if (broker) life.add('broker', () => broker.close());
  const brokerUrl = external ?? broker!.url;
  const protocolVersion: 4 | 5 = external ? 5 : 4;

  // 2. Platform (prefers the configured HTTP port, falls back to a free one).
  const platformLog = log.child({ service: 'platform' });
  const platformConfig = (port: number): PlatformConfigInput => ({
    http: { host: '127.0.0.1', port },
    mqtt: {
      url: brokerUrl,
      clientId: platformClientId,
      protocolVersion,
      ...(creds ? { username: creds.platform.username, password: creds.platform.password } : {}),
    },
    store: opts.influx ? { influxUrl: opts.influx } : {},
    dataDir: path.join(dataDir, 'platform'),
    logLevel: opts.logLevel,
  });
  // One writer per data directory: a `xiang` CLI command holding it finishes first; later ones use the API.
  const lease = await announceServer(path.join(dataDir, 'platform'), say);
  life.add('data directory lease', async () => lease.release());
  const platform = await startPlatform(platformConfig(opts.httpPort), { logger: platformLog }).catch(
    async (e) => {
      if (!String(e).includes('EADDRINUSE')) throw e;
      say(`端口 ${opts.httpPort} 已被占用，改用空闲端口 / port ${opts.httpPort} busy, using a free one`);
      return await startPlatform(platformConfig(0), { logger: platformLog });
    },
  );
  life.add('platform', () => platform.stop());
  broker?.attachIngest(platform.ingest.handoff);
  lease.publish(platform.url);
  const platformDir = path.join(dataDir, 'platform');
  const shown = path.relative(process.cwd(), platformDir);
  const tokenCmd = `XIANG_DATA_DIR=${shown.startsWith('..') ? platformDir : shown} npx xiang token admin`;
  // Printed only when generated now: a kept token is not repeated into every start's output (or log).
  const tokenShown = {
    new: `${platform.adminToken}  (new / 新生成)`,
    kept: '(unchanged / 与上次相同 — see "Token again" below)',
    configured: '(XIANG_ADMIN_TOKEN)',
  }[platform.adminTokenSource];

  say('');
  say('湘智工业互联 xiang-iiot 已启动 / is running');
  // A one-time sign-in link (web/signin-links.ts): opens on the energy overview; the token is not in it.
  say(`  控制台 Console      ${platform.consoleSignInUrl()}   (一次性登录链接 / one-time sign-in link)`);
  say(`  接口文档 API docs   ${platform.url}/docs`);
  say(`  管理员令牌 Admin token  ${tokenShown}`);
  say(
    `  MQTT broker         ${redactUrl(brokerUrl)}${broker ? ' (embedded, MQTT 3.1.1, login required)' : ''}`,
  );
  say(
    `  存储 Store          ${opts.influx ? `InfluxDB ${redactUrl(opts.influx)}` : `embedded SQLite in ${path.join(dataDir, 'platform')}`}`,
  );
  say(`  日志 Logs           ${logFile}`);
  say(`  令牌 Token again    ${tokenCmd}   (--reset for a new one)`);
  say('');

  // 3. What a person would enter for this plant, before any agent speaks: the factory itself (births no longer
  //    create factories), profile, calendar, lines; machines' standby power once their devices exist.
  const settings = scenarioRegistrySettings(scenario);
  platform.registry.putFactory(factoryProfileSchema.parse(settings.profile));
  for (const l of settings.lines) platform.registry.putLine(lineSettingsSchema.parse(l));

  // 4. One simulation for history and live data: first start → history; later start → resume. A replay cut
  //    short (its broker connection lost) resumes from what got stored, like a restart would.
  const history = (kept: typeof state) =>
    prepareSimulation({
      state: kept,
      scenarioName: opts.scenario,
      scenario,
      dataDir,
      historyDays: opts.historyDays,
      store: platform.store,
      brokerUrl,
      protocolVersion,
      agentId,
      credentials: creds?.agent ?? null,
      log: log.child({ service: 'history' }),
      say,
      signal: life.signal,
    });
  let prepared: Awaited<ReturnType<typeof prepareSimulation>> | undefined;
  for (let attempt = 1; !prepared; attempt++) {
    try {
      prepared = await history(attempt === 1 ? state : readStartState(dataDir));
    } catch (e) {
      if (stopped() || attempt >= 3 || !String(e).includes('connection closed')) throw e;
      say(
        `\n历史数据中断 / history replay interrupted (${(e as Error).message}); resuming from what is stored…`,
      );
    }
  }
  const { sim } = prepared;
  if (stopped()) await new Promise(() => {}); // stopAll exits the process

  // 5. Live simulators continue the same simulation in (scaled) real time.
  const opcua = await startOpcuaSimulator({
    scenario,
    simulation: sim,
    port: await freePort(),
    speed: opts.speed,
    pkiDir: path.join(dataDir, 'sim-pki'),
    logger: log.child({ service: 'sim-opcua' }),
  });
  life.add('opcua simulator', () => opcua.close());
  const devices = await startMqttDeviceSimulator({
    scenario,
    simulation: sim,
    brokerUrl,
    protocolVersion,
    ...(creds ? { username: creds.devices.username, password: creds.devices.password } : {}),
    speed: false, // the OPC UA simulator's clock drives the shared simulation
    logger: log.child({ service: 'sim-mqtt' }),
  });
  life.add('mqtt devices', () => devices.close());

  // 6. The edge agent, from the scenario's config pointed at this run's ports and credentials.
  const { file: agentFile, config: agentConfig } = await writeAgentConfig({
    scenario: opts.scenario,
    agentDir: path.join(dataDir, agentId),
    opcuaEndpoint: opcua.endpointUrl,
    brokerUrl,
    protocolVersion,
    healthPort: await freePort(),
    credentials: creds?.agent ?? null,
  });
  const agent = await startAgent(agentConfig, { logger: log.child({ service: 'edge-agent' }) });
  life.add('edge agent', () => agent.stop());
  // Devices exist once a birth has arrived (history or agent): then the per-machine settings can apply.
  const firstDevice = settings.devices[0]?.id ?? '';
  for (let i = 0; i < 200 && !platform.registry.device(factoryId, firstDevice); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const d of settings.devices) platform.registry.patchDevice(factoryId, d.id, d.patch);
  say(`  仿真器 OPC UA server  ${opcua.endpointUrl}   (scenario ${opts.scenario}, speed ×${opts.speed})`);
  say(`  边缘代理 Agent status ${agent.healthUrl ?? '(disabled)'}   config ${agentFile}`);
  say('');
  say('按 Ctrl-C 停止 / press Ctrl-C to stop');
} catch (e) {
  const known = e instanceof StartStateError;
  process.stderr.write(`npm start failed: ${e instanceof Error ? e.message : String(e)}\n`);
  if (!known) log.error({ err: e }, 'npm start failed');
  await life.stopAll(known ? 2 : 1);
}
