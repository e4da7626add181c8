/**
 * `npm start` — the whole xiang-iiot stack in one process, on embedded defaults:
 *   embedded MQTT broker (aedes) → platform (embedded SQLite store) ← edge agent ← OPC UA + MQTT simulators.
 * Before going live it sends `--history-days` of simulated history through the real path (as an agent replays
 * its queue), so the console, diagnostics and grading have data at once; then the simulator runs in real time.
 *
 *   npm start
 *   npm start -- --http-port 8080 --history-days 30 --scenario hunan-machining
 *   npm start -- --broker mqtt://127.0.0.1:1883 --influx http://127.0.0.1:8086   (external Mosquitto / InfluxDB)
 * Env: XIANG_MQTT_URL, XIANG_INFLUX_URL, XIANG_HTTP_PORT, XIANG_DATA_DIR work too. Ctrl-C stops everything.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile, startAgent } from '@xiang/edge-agent';
import {
  createSimulation,
  loadScenario,
  runBackfill,
  scenarioRegistrySettings,
  startMqttDeviceSimulator,
  startOpcuaSimulator,
} from '@xiang/simulators';
import pino from 'pino';
import { startEmbeddedBroker } from '../platform/src/broker/embedded.js';
import type { PlatformConfigInput } from '../platform/src/config/index.js';
import { startPlatform } from '../platform/src/main.js';
import { factoryProfileSchema, lineSettingsSchema } from '../platform/src/registry/model.js';
import { freePort } from '../tests/harness/ports.js';

const DAY_MS = 86_400_000;
const { values: o } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'hunan-machining' },
    'http-port': { type: 'string', default: process.env.XIANG_HTTP_PORT ?? '8080' },
    'mqtt-port': { type: 'string', default: '0' },
    broker: { type: 'string', default: process.env.XIANG_MQTT_URL },
    influx: { type: 'string', default: process.env.XIANG_INFLUX_URL },
    'data-dir': { type: 'string', default: process.env.XIANG_DATA_DIR ?? '.data/start' },
    'history-days': { type: 'string', default: '3' },
    speed: { type: 'string', default: '1' },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (o.help) {
  console.log((await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]);
  process.exit(0);
}

function num(name: string, v: string | undefined, ok: (n: number) => boolean): number {
  const n = Number(v);
  if (!Number.isFinite(n) || !ok(n)) {
    console.error(`npm start: --${name} ${v} is not valid`);
    process.exit(2);
  }
  return n;
}
const historyDays = num('history-days', o['history-days'], (n) => n >= 0 && n <= 400);
const speed = num('speed', o.speed, (n) => n > 0 && n <= 3600);
const dataDir = path.resolve(o['data-dir']!);
mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
const logFile = path.join(dataDir, 'logs', 'xiang.log');
const log = pino(
  { level: o['log-level'], timestamp: pino.stdTimeFunctions.isoTime },
  pino.destination({ dest: logFile, mkdir: true }),
);
const say = (line: string) => process.stdout.write(`${line}\n`);

const stops: { name: string; stop: () => Promise<void> }[] = [];
let stopping = false;
async function stopAll(code: number): Promise<void> {
  // Ctrl-C reaches both tsx and this process, so a second signal is normal: ignore it while stopping.
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    say('停止超时，强制退出 / stop timed out after 30 s, exiting');
    process.exit(code || 1);
  }, 30_000).unref();
  say('\n正在停止 / stopping…');
  for (const { name, stop } of stops.reverse()) {
    const t0 = Date.now();
    process.stdout.write(`  ${name}…`);
    await stop().catch((e) => log.error({ err: String(e), name }, 'stop failed'));
    log.info({ name, ms: Date.now() - t0 }, 'stopped');
    process.stdout.write(` ${Date.now() - t0} ms\n`);
  }
  say('已停止 / stopped.');
  log.flush();
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  // 1. Broker: external MQTT 5 broker when given, else the embedded aedes broker (MQTT 3.1.1).
  const external = o.broker;
  const broker = external
    ? null
    : await startEmbeddedBroker({ port: num('mqtt-port', o['mqtt-port'], (n) => n >= 0) });
  if (broker) stops.push({ name: 'broker', stop: () => broker.close() });
  const brokerUrl = external ?? broker!.url;
  const protocolVersion: 4 | 5 = external ? 5 : 4;

  // 2. Platform (prefers the configured HTTP port, falls back to a free one).
  const wantedPort = num('http-port', o['http-port'], (n) => n >= 0 && n < 65536);
  const platformLog = log.child({ service: 'platform' });
  const platformConfig = (port: number): PlatformConfigInput => ({
    http: { host: '127.0.0.1', port },
    mqtt: { url: brokerUrl, protocolVersion },
    store: o.influx ? { influxUrl: o.influx } : {},
    dataDir: path.join(dataDir, 'platform'),
    logLevel: o['log-level'] as PlatformConfigInput['logLevel'],
  });
  const platform = await startPlatform(platformConfig(wantedPort), { logger: platformLog }).catch(
    async (e) => {
      if (!String(e).includes('EADDRINUSE')) throw e;
      say(`端口 ${wantedPort} 已被占用，改用空闲端口 / port ${wantedPort} busy, using a free one`);
      return await startPlatform(platformConfig(0), { logger: platformLog });
    },
  );
  stops.push({ name: 'platform', stop: () => platform.stop() });

  say('');
  say('湘智工业互联 xiang-iiot 已启动 / is running');
  say(`  控制台 Console      ${platform.url}/`);
  say(`  接口文档 API docs   ${platform.url}/docs`);
  say(`  管理员令牌 Admin token  ${platform.adminToken}`);
  say(`  MQTT broker         ${brokerUrl}${broker ? ' (embedded, MQTT 3.1.1)' : ''}`);
  say(
    `  存储 Store          ${o.influx ? `InfluxDB ${o.influx}` : `embedded SQLite in ${path.join(dataDir, 'platform')}`}`,
  );
  say(`  日志 Logs           ${logFile}`);
  say('');

  // 3. One simulation for history and live data, so counters continue without a jump.
  const scenario = await loadScenario(o.scenario!);
  const tickMs = scenario.clock.tickSeconds * 1000;
  const liveStartMs = Math.floor(Date.now() / tickMs) * tickMs;
  // What a person would enter for this plant: profile, calendar, lines, machines' standby power.
  const settings = scenarioRegistrySettings(scenario);
  platform.registry.putFactory(factoryProfileSchema.parse(settings.profile));
  for (const l of settings.lines) platform.registry.putLine(lineSettingsSchema.parse(l));
  const applyDeviceSettings = () => {
    for (const d of settings.devices) platform.registry.patchDevice(scenario.factory.id, d.id, d.patch);
  };
  const sim = createSimulation(scenario, {
    startMs: liveStartMs - Math.ceil(historyDays) * DAY_MS,
    historyDays: Math.ceil(historyDays) + 2,
  });
  if (historyDays > 0) {
    say(
      `写入 ${historyDays} 天历史数据 / sending ${historyDays} days of simulated history through the broker…`,
    );
    let lastPct = -1;
    const r = await runBackfill({
      scenario,
      simulation: sim,
      brokerUrl,
      protocolVersion,
      days: historyDays,
      agentId: 'history',
      logger: log.child({ service: 'backfill' }),
      onProgress: (p) => {
        const pct = Math.min(100, Math.floor(((p.virtualMs - sim.startMs) / (historyDays * DAY_MS)) * 100));
        if (pct !== lastPct && pct % 5 === 0) {
          lastPct = pct;
          process.stdout.write(`\r  ${pct}%  ${p.points.toLocaleString('en')} points`);
        }
      },
    });
    say(
      `\r  100%  ${r.points.toLocaleString('en')} points in ${(r.elapsedMs / 1000).toFixed(1)} s`.padEnd(60),
    );
  }

  // 4. Live simulators continue the same simulation in (scaled) real time.
  const opcuaPort = await freePort();
  const opcua = await startOpcuaSimulator({
    scenario,
    simulation: sim,
    port: opcuaPort,
    speed,
    pkiDir: path.join(dataDir, 'sim-pki'),
    logger: log.child({ service: 'sim-opcua' }),
  });
  stops.push({ name: 'opcua simulator', stop: () => opcua.close() });
  const devices = await startMqttDeviceSimulator({
    scenario,
    simulation: sim,
    brokerUrl,
    protocolVersion,
    speed: false, // the OPC UA simulator's clock drives the shared simulation
    logger: log.child({ service: 'sim-mqtt' }),
  });
  stops.push({ name: 'mqtt devices', stop: () => devices.close() });

  // 5. The edge agent, from the shipped config for this scenario, pointed at this run's ports.
  const agentConfig = loadConfigFile(path.resolve('edge-agent/examples', `${o.scenario}.yaml`));
  agentConfig.dataDir = path.join(dataDir, 'edge1');
  agentConfig.uplink = { ...agentConfig.uplink, url: brokerUrl, protocolVersion };
  agentConfig.health = { ...agentConfig.health, port: await freePort(), logIntervalS: 0 };
  for (const s of agentConfig.sources) {
    if (s.type === 'opcua') s.endpoint = opcua.endpointUrl;
    else if (s.type === 'mqtt') s.broker = { ...s.broker, url: brokerUrl, protocolVersion };
  }
  const agent = await startAgent(agentConfig, { logger: log.child({ service: 'edge-agent' }) });
  stops.push({ name: 'edge agent', stop: () => agent.stop() });
  // Devices exist once a birth has arrived (history or agent): then the per-machine settings can apply.
  for (
    let i = 0;
    i < 200 && !platform.registry.device(scenario.factory.id, settings.devices[0]?.id ?? '');
    i++
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  applyDeviceSettings();
  say(`  仿真器 OPC UA server  ${opcua.endpointUrl}   (scenario ${o.scenario}, speed ×${speed})`);
  say(`  边缘代理 Agent status http://127.0.0.1:${agentConfig.health.port}/status`);
  say('');
  say('按 Ctrl-C 停止 / press Ctrl-C to stop');
} catch (e) {
  console.error(`npm start failed: ${e instanceof Error ? e.message : String(e)}`);
  await stopAll(1);
}
