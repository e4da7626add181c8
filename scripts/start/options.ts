import path from 'node:path';
import { parseArgs } from 'node:util';

/** `npm start` options: parsed strictly, each bad value one line plus the usage, never a stack trace. */
export const START_USAGE = `npm start -- [options]   湘智工业互联：整套系统一条命令启动 / the whole xiang-iiot stack in one process

  Embedded MQTT broker (aedes, with per-client credentials) → platform (embedded SQLite) ← edge agent ← OPC UA
  and MQTT simulators. The first start sends --history-days of simulated history; a later start on the same
  data directory resumes: same history, same admin token, the simulators continue where the stored data ends.

Options:
  --http-port N       console/API port (default 8080, env XIANG_HTTP_PORT; a busy port falls back to a free one)
  --data-dir DIR      where everything is kept (default .data/start; the platform's own part is DIR/platform)
  --fresh             delete what a previous start kept in --data-dir and start over
  --history-days N    days of simulated history on the first start; on a restart, the longest gap filled (default 3)
  --scenario NAME     simulated plant: hunan-machining (default), tiny, clean, or a scenario file
  --speed S           simulated seconds per real second for the live simulators (default 1)
  --mqtt-port N       port of the embedded broker (default: a free one)
  --broker URL        use an external MQTT 5 broker instead (env XIANG_MQTT_URL)
  --influx URL        store time series in InfluxDB 1.x instead of embedded SQLite (env XIANG_INFLUX_URL)
  --log-level L       trace|debug|info|warn|error (default info); logs go to <data-dir>/logs/xiang.log
  -h, --help          this text

Examples:
  npm start
  npm start -- --http-port 8081 --data-dir /tmp/xiang-demo
  npm start -- --fresh --history-days 30 --scenario hunan-machining
  npm start -- --broker mqtt://127.0.0.1:1883 --influx http://127.0.0.1:8086
  XIANG_DATA_DIR=.data/start/platform npx xiang token admin     # print the admin token again

Stop with Ctrl-C or \`kill <pid>\` (SIGINT/SIGTERM stop every part and free every port).`;

/** What a usage error prints after its one line. */
export const START_SYNOPSIS =
  'npm start -- [--http-port N] [--data-dir DIR] [--fresh] [--history-days N] [--scenario NAME] [--speed S] ' +
  '[--mqtt-port N] [--broker URL] [--influx URL] [--log-level L]   (npm start -- --help explains each)';

export type StartOptions = {
  scenario: string;
  httpPort: number;
  mqttPort: number;
  broker: string | undefined;
  influx: string | undefined;
  dataDir: string;
  historyDays: number;
  speed: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  fresh: boolean;
};

export class StartUsageError extends Error {}

function num(name: string, v: string, ok: (n: number) => boolean): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !ok(n))
    throw new StartUsageError(`--${name} ${v} is not valid`);
  return n;
}

/** Returns null when --help was asked for; throws StartUsageError on bad usage. */
export function parseStartOptions(argv: string[], env: NodeJS.ProcessEnv): StartOptions | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string', default: 'hunan-machining' },
        'http-port': { type: 'string', default: env.XIANG_HTTP_PORT ?? '8080' },
        'mqtt-port': { type: 'string', default: '0' },
        broker: { type: 'string', default: env.XIANG_MQTT_URL },
        influx: { type: 'string', default: env.XIANG_INFLUX_URL },
        'data-dir': { type: 'string', default: '.data/start' },
        'history-days': { type: 'string', default: '3' },
        speed: { type: 'string', default: '1' },
        'log-level': { type: 'string', default: 'info' },
        fresh: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    // node:util's messages are long and name the API; keep the first sentence.
    throw new StartUsageError((e as Error).message.split('. ')[0] ?? String(e));
  }
  if (values.help) return null;
  const s = (k: string) => values[k] as string;
  const logLevel = s('log-level');
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(logLevel))
    throw new StartUsageError(`--log-level ${logLevel} is not one of trace, debug, info, warn, error`);
  return {
    scenario: s('scenario'),
    httpPort: num('http-port', s('http-port'), (n) => Number.isInteger(n) && n >= 0 && n < 65536),
    mqttPort: num('mqtt-port', s('mqtt-port'), (n) => Number.isInteger(n) && n >= 0 && n < 65536),
    broker: values.broker as string | undefined,
    influx: values.influx as string | undefined,
    dataDir: path.resolve(s('data-dir')),
    historyDays: num('history-days', s('history-days'), (n) => n >= 0 && n <= 400),
    speed: num('speed', s('speed'), (n) => n > 0 && n <= 3600),
    logLevel: logLevel as StartOptions['logLevel'],
    fresh: values.fresh === true,
  };
}
