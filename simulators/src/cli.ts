import { parseArgs } from 'node:util';
import { ValidationError } from '@xiang/protocol';
import { runBackfill } from './backfill.js';
import { DLT645_HELP, runDlt645 } from './dlt645/cli.js';
import { GroundTruth } from './ground-truth.js';
import { createLogger } from './log.js';
import { MODBUS_HELP, runModbus } from './modbus/cli.js';
import { startMqttDeviceSimulator } from './mqtt/device-simulator.js';
import type { SecurityModeName } from './opcua/server.js';
import { Simulation } from './physics/simulation.js';
import { loadScenario } from './scenario/load.js';
import { startTruthServer } from './truth-http.js';

const USAGE = `xiang-sim — 工厂仿真器 / factory simulators

  xiang-sim opcua    --scenario F --port P [--speed S] [--start ISO] [--truth-port N] [--no-faults]
                     [--pki DIR] [--secure] [--user name:password ...] [--host 127.0.0.1]
  xiang-sim mqtt     --broker URL --scenario F [--speed S] [--start ISO] [--malformed-rate r] [--all-devices]
                     [--no-faults] [--username u --password p]
  xiang-sim backfill --broker URL --scenario F --days N [--factory id] [--agent id] [--start ISO]
                     [--metrics all|energy] [--no-faults] [--username u --password p]
  xiang-sim truth    --scenario F --days N [--start ISO] [--no-faults]   (prints the fault ground truth as JSON)
  xiang-sim modbus   --scenario F [--tcp-port P] [--gateway-port P] [--serial /dev/pts/N | --pty PATH] [--baud B]
                     [--speed S] [--start ISO] [--dead-unit U ...] [--slow-unit U:ms ...] [--crc-error-rate r]
                     (electricity meters as Modbus slaves: unit i+1 = i-th meter, models SDM630/DTSU666/ADW300 in turn)
  xiang-sim dlt645   --scenario F [--gateway-port P] [--serial /dev/pts/N] [--speed S] [--start ISO]
                     [--address A ...] [--dead-address A ...] [--slow-address A:ms ...] [--checksum-error-rate r]
                     (electricity meters as DL/T 645-2007 meters behind a TCP gateway: meter i = address 0000000000ii)
  xiang-sim <command> --help

  F is a scenario file or a shipped name: hunan-machining, tiny, clean.
  Speed is simulated seconds per real second (3600 = one simulated hour per second).

Examples:
  npx xiang-sim opcua --scenario hunan-machining --port 4840 --speed 60
  npx xiang-sim mqtt --broker mqtt://127.0.0.1:1883 --scenario hunan-machining
  npx xiang-sim backfill --broker mqtt://127.0.0.1:1883 --scenario hunan-machining --days 30
  npx xiang-sim truth --scenario tiny --days 7 > truth.json`;

/** \`xiang-sim <command> --help\`: what one command does, with examples. */
const HELP: Record<string, string> = {
  opcua: `xiang-sim opcua --scenario F --port P [--speed S] [--start ISO] [--truth-port N] [--no-faults]
                [--pki DIR] [--secure] [--user name:password ...] [--host 127.0.0.1]

OPC UA 工厂服务器：场景中的设备与测点，按仿真时钟实时更新。
An OPC UA server with the scenario's devices and metrics, stepped in (scaled) real time; --truth-port serves
the exact ground truth over HTTP; --secure adds Sign and SignAndEncrypt endpoints. Ctrl-C stops it.

Examples:
  npx xiang-sim opcua --scenario hunan-machining --port 4840 --speed 60
  npx xiang-sim opcua --scenario tiny --port 4841 --secure --user operator:secret --truth-port 8099`,
  mqtt: `xiang-sim mqtt --broker URL --scenario F [--speed S] [--start ISO] [--malformed-rate r] [--all-devices]
               [--no-faults] [--username u --password p]

MQTT 现场设备：场景中仅走 MQTT 的设备按仿真时钟发布 JSON（plant/<工厂>/<类别>/<设备>）。
The scenario's MQTT-only devices publishing JSON on plant/<factory>/<category>/<device>; --malformed-rate mixes
in malformed messages. Ctrl-C stops it.

Examples:
  npx xiang-sim mqtt --broker mqtt://127.0.0.1:1883 --scenario hunan-machining
  npx xiang-sim mqtt --broker mqtt://127.0.0.1:1883 --scenario tiny --speed 3600 --malformed-rate 0.01`,
  backfill: `xiang-sim backfill --broker URL --scenario F --days N [--factory id] [--agent id] [--start ISO]
                   [--metrics all|energy] [--no-faults] [--username u --password p]

历史数据回填：以 xiang/v1 历史批次发送 N 天仿真数据（如代理补发队列）。
Sends N simulated days as xiang/v1 historical batches, as an agent replays its queue (QoS 1, flow-controlled).

Examples:
  npx xiang-sim backfill --broker mqtt://127.0.0.1:1883 --scenario hunan-machining --days 30
  npx xiang-sim backfill --broker mqtt://127.0.0.1:1883 --scenario tiny --days 7 --metrics energy --agent history`,
  modbus: MODBUS_HELP,
  dlt645: DLT645_HELP,
  truth: `xiang-sim truth --scenario F --days N [--start ISO] [--no-faults]

故障真值：输出场景注入故障的精确真值（JSON）。
Prints the exact ground truth of the scenario's injected faults over N days as JSON.

Examples:
  npx xiang-sim truth --scenario tiny --days 7 > truth.json`,
};

const options = {
  scenario: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  speed: { type: 'string' },
  start: { type: 'string' },
  'truth-port': { type: 'string' },
  'no-faults': { type: 'boolean' },
  pki: { type: 'string' },
  secure: { type: 'boolean' },
  user: { type: 'string', multiple: true },
  broker: { type: 'string' },
  'malformed-rate': { type: 'string' },
  'all-devices': { type: 'boolean' },
  username: { type: 'string' },
  password: { type: 'string' },
  days: { type: 'string' },
  factory: { type: 'string' },
  agent: { type: 'string' },
  metrics: { type: 'string' },
  'tcp-port': { type: 'string' },
  'gateway-port': { type: 'string' },
  serial: { type: 'string' },
  pty: { type: 'string' },
  baud: { type: 'string' },
  'dead-unit': { type: 'string', multiple: true },
  'slow-unit': { type: 'string', multiple: true },
  'crc-error-rate': { type: 'string' },
  address: { type: 'string', multiple: true },
  'dead-address': { type: 'string', multiple: true },
  'slow-address': { type: 'string', multiple: true },
  'checksum-error-rate': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function num(
  v: string | undefined,
  name: string,
  check: (n: number) => boolean = Number.isFinite,
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!check(n)) throw new UsageError(`--${name}: invalid value "${v}"`);
  return n;
}
function need<T>(v: T | undefined, name: string): T {
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}
function startOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new UsageError(`--start: expected an ISO 8601 time, got "${v}"`);
  return ms;
}

async function main(argv: string[]): Promise<void> {
  const { values: o, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const cmd = positionals[0];
  if (o.help || !cmd || cmd === 'help') {
    console.log(HELP[(cmd === 'help' ? positionals[1] : cmd) ?? ''] ?? USAGE);
    if (!cmd && !o.help) process.exitCode = 2;
    return;
  }
  const log = createLogger(`xiang-sim-${cmd}`);
  const scenario = await loadScenario(need(o.scenario, 'scenario'));
  const startMs = startOf(o.start);
  const faults = o['no-faults'] ? false : undefined;
  const speed = num(o.speed, 'speed', (n) => n > 0);
  const stopOn = (close: () => Promise<void>) => {
    const stop = () => {
      log.info('stopping');
      close().then(
        () => process.exit(0),
        (e) => {
          log.error({ err: String(e) }, 'stop failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  };

  if (cmd === 'opcua') {
    const port = need(
      num(o.port, 'port', (n) => Number.isInteger(n) && n > 0 && n < 65536),
      'port',
    );
    const users = (o.user ?? []).map((u) => {
      const i = u.indexOf(':');
      if (i <= 0) throw new UsageError(`--user: expected name:password, got "${u}"`);
      return { username: u.slice(0, i), password: u.slice(i + 1) };
    });
    const modes: SecurityModeName[] = o.secure ? ['None', 'Sign', 'SignAndEncrypt'] : ['None'];
    // node-opcua loads only for this command (it is large and prints start-up warnings)
    const { startOpcuaSimulator } = await import('./opcua/server.js');
    const srv = await startOpcuaSimulator({
      scenario,
      port,
      ...(o.host ? { host: o.host } : {}),
      ...(speed !== undefined ? { speed } : {}),
      ...(startMs !== undefined ? { startMs } : {}),
      ...(faults === false ? { faults } : {}),
      ...(o.pki ? { pkiDir: o.pki } : {}),
      securityModes: modes,
      users,
      logger: log,
    });
    const truthPort = num(o['truth-port'], 'truth-port', (n) => Number.isInteger(n) && n >= 0 && n < 65536);
    const truthSrv = truthPort !== undefined ? await startTruthServer(srv.truth, truthPort, log) : null;
    log.info(
      {
        endpoint: srv.endpointUrl,
        truth: truthSrv?.url,
        startMs: srv.sim.startMs,
        speed: speed ?? scenario.clock.speed,
      },
      'running; Ctrl-C stops',
    );
    const timer = setInterval(
      () =>
        log.info(
          { tick: srv.sim.tick, virtualTime: new Date(srv.sim.nowMs).toISOString(), writes: srv.writes() },
          'status',
        ),
      10_000,
    );
    stopOn(async () => {
      clearInterval(timer);
      await truthSrv?.close();
      await srv.close();
    });
    return;
  }
  if (cmd === 'mqtt') {
    const rate = num(o['malformed-rate'], 'malformed-rate', (n) => n >= 0 && n <= 1);
    const dev = await startMqttDeviceSimulator({
      scenario,
      brokerUrl: need(o.broker, 'broker'),
      ...(speed !== undefined ? { speed } : {}),
      ...(startMs !== undefined ? { startMs } : {}),
      ...(faults === false ? { faults } : {}),
      ...(rate !== undefined ? { malformedRate: rate } : {}),
      ...(o['all-devices'] ? { devices: 'all' as const } : {}),
      ...(o.username ? { username: o.username, password: o.password ?? '' } : {}),
      logger: log,
    });
    const timer = setInterval(
      () => log.info({ virtualTime: new Date(dev.sim.nowMs).toISOString(), ...dev.stats() }, 'status'),
      10_000,
    );
    stopOn(async () => {
      clearInterval(timer);
      await dev.close();
    });
    return;
  }
  if (cmd === 'backfill') {
    const days = need(
      num(o.days, 'days', (n) => n > 0 && n <= 400),
      'days',
    );
    const metrics = o.metrics ?? 'all';
    if (metrics !== 'all' && metrics !== 'energy') throw new UsageError('--metrics: expected all or energy');
    const r = await runBackfill({
      scenario,
      brokerUrl: need(o.broker, 'broker'),
      days,
      metrics,
      ...(o.factory ? { factoryId: o.factory } : {}),
      ...(o.agent ? { agentId: o.agent } : {}),
      ...(startMs !== undefined ? { startMs } : {}),
      ...(faults === false ? { faults } : {}),
      ...(o.username ? { username: o.username, password: o.password ?? '' } : {}),
      onProgress: (p) =>
        process.stderr.write(
          `backfill day ${p.day}/${p.days}: ${p.points} points in ${p.batches} batches, ${p.pointsPerSecond} points/s\n`,
        ),
    });
    log.info(
      {
        sessionId: r.sessionId,
        batches: r.batches,
        points: r.points,
        lastSeq: r.lastSeq,
        elapsedMs: r.elapsedMs,
        from: new Date(r.fromMs).toISOString(),
        to: new Date(r.toMs).toISOString(),
      },
      'backfill done',
    );
    return;
  }
  // The field-bus faces share one option set; each runner owns its own flags (`o`).
  const fieldBus = cmd === 'modbus' ? runModbus : cmd === 'dlt645' ? runDlt645 : undefined;
  if (fieldBus) {
    const close = await fieldBus(
      o,
      {
        scenario,
        log,
        ...(speed !== undefined ? { speed } : {}),
        ...(startMs !== undefined ? { startMs } : {}),
        ...(faults === false ? { faults } : {}),
      },
      (m) => new UsageError(m),
    );
    stopOn(close);
    return;
  }
  if (cmd === 'truth') {
    const days = need(
      num(o.days, 'days', (n) => n > 0 && n <= 400),
      'days',
    );
    const sim = new Simulation(scenario, {
      ...(startMs !== undefined ? { startMs } : {}),
      ...(faults === false ? { faults } : {}),
      historyDays: days + 1,
    });
    sim.advanceTo(sim.startMs + days * 86_400_000);
    process.stdout.write(`${JSON.stringify(new GroundTruth(sim).faults(), null, 2)}\n`);
    return;
  }
  throw new UsageError(`unknown command "${cmd}"`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    const cmd = process.argv[2] ?? '';
    const usage = HELP[cmd]?.split('\n\n')[0] ?? USAGE.split('\n\n')[1];
    console.error(
      `xiang-sim: ${(e as Error).message.split('. ')[0]}\nusage: ${usage?.trim()}   (xiang-sim --help)`,
    );
    process.exit(2);
  }
  if (e instanceof ValidationError || (e as Error).message?.startsWith('cannot read scenario')) {
    console.error(`xiang-sim: ${(e as Error).message}`);
    process.exit(2);
  }
  // One line; the stack only when asked for.
  console.error(
    `xiang-sim: ${(e as Error).message ?? String(e)}${process.env.XIANG_DEBUG ? `\n${(e as Error).stack}` : ''}`,
  );
  process.exit(1);
});
