import { parseArgs } from 'node:util';
import { redactUrl } from '../auth/redact.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { startPlatform } from '../main.js';
import { InfluxAuthError } from '../store/index.js';
import { announceServer } from './data-dir-lock.js';
import { type CliCommand, EXIT, oneLine } from './types.js';

const USAGE = 'xiang serve [--config platform.yaml]   (settings also from XIANG_* environment variables)';

const SERVE_HELP = `${USAGE}

运行平台：接入 MQTT 数据、存储时序数据、提供接口与控制台，直到 Ctrl-C / SIGTERM。
Runs the platform — MQTT ingest, time-series store, registry, HTTP API and web console — until SIGINT or
SIGTERM, then stops gracefully. Settings come from the YAML file and XIANG_* variables (env wins):
XIANG_HTTP_PORT, XIANG_MQTT_URL, XIANG_MQTT_USERNAME/PASSWORD, XIANG_INFLUX_URL, XIANG_DATA_DIR,
XIANG_ADMIN_TOKEN, XIANG_LOG_LEVEL (README.md lists them all). Without XIANG_ADMIN_TOKEN an admin token is
generated once, kept (hashed) and printed only then (logs keep no copy); \`xiang token admin\` prints it
again, --reset replaces it.

Examples:
  XIANG_MQTT_URL=mqtt://127.0.0.1:1883 XIANG_DATA_DIR=/var/lib/xiang npx xiang serve
  npx xiang serve --config platform.yaml`;

/**
 * The admin token appears in the output only when it was just generated: a kept or configured token is not
 * reprinted at every start (container logs would collect it); `xiang token admin` shows it again.
 */
export function adminTokenLine(source: 'configured' | 'kept' | 'new', token: string): string {
  if (source === 'new') return `${token}  (new 新生成; \`xiang token admin\` prints it again)`;
  if (source === 'kept') return 'unchanged 未变 (`xiang token admin` prints it)';
  return 'configured 已配置 (XIANG_ADMIN_TOKEN)';
}

/** `xiang serve [--config F]`: runs the platform until SIGINT/SIGTERM, then shuts down gracefully. */
export const serveCommand: CliCommand = {
  name: 'serve',
  summary: '运行平台（接入、存储、接口） · Run the platform (ingest, store, API)',
  usage: USAGE,
  help: SERVE_HELP,
  async run(args, io) {
    let file: string | undefined;
    try {
      const { values } = parseArgs({
        args,
        options: { config: { type: 'string', short: 'c' } },
        strict: true,
      });
      file = values.config;
    } catch (e) {
      io.err(`xiang serve: ${oneLine(e)}\nusage: ${USAGE}`);
      return EXIT.usage;
    }
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig({ file });
    } catch (e) {
      if (e instanceof ConfigError) {
        io.err(e.message);
        return EXIT.usage;
      }
      throw e;
    }
    const lease = await announceServer(config.dataDir, io.err);
    let platform: Awaited<ReturnType<typeof startPlatform>>;
    try {
      platform = await startPlatform(config);
    } catch (e) {
      lease.release();
      // Refused store credentials are a setting to fix: one line naming it, the config exit code (no stack).
      if (e instanceof InfluxAuthError) {
        io.err(`xiang serve: ${e.message}`);
        return EXIT.usage;
      }
      throw e;
    }
    lease.publish(platform.url);
    io.out('xiang-iiot 平台已启动 · platform started');
    io.out(`  API:   ${platform.url}/api/v1`);
    io.out(`  Docs:  ${platform.url}/docs`);
    io.out(`  Admin token 管理员令牌: ${adminTokenLine(platform.adminTokenSource, platform.adminToken)}`);
    io.out(`  Store 存储: ${platform.store.kind}   MQTT: ${redactUrl(config.mqtt.url)}`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const onSignal = (sig: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        platform.log.info({ signal: sig }, 'shutdown requested');
        platform.stop().then(resolve, (e) => {
          platform.log.error({ err: e }, 'shutdown failed');
          resolve();
        });
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    lease.release();
    return EXIT.ok;
  },
};
