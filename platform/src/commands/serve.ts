import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import { startPlatform } from '../main.js';
import { type CliCommand, EXIT } from './types.js';

/** `xiang serve [--config F]`: runs the platform until SIGINT/SIGTERM, then shuts down gracefully. */
export const serveCommand: CliCommand = {
  name: 'serve',
  summary: '运行平台（接入、存储、接口） · Run the platform (ingest, store, API)',
  usage: 'xiang serve [--config platform.yaml]   (settings also from XIANG_* environment variables)',
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
      io.err(`xiang serve: ${(e as Error).message}\nusage: ${this.usage}`);
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
    const platform = await startPlatform(config);
    io.out('xiang-iiot 平台已启动 · platform started');
    io.out(`  API:   ${platform.url}/api/v1`);
    io.out(`  Docs:  ${platform.url}/docs`);
    io.out(`  Admin token 管理员令牌: ${platform.adminToken}`);
    io.out(`  Store 存储: ${platform.store.kind}   MQTT: ${config.mqtt.url}`);
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
    return EXIT.ok;
  },
};
