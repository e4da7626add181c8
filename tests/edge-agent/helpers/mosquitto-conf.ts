import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from '../../harness/ports.js';
import { findBinary, spawnDaemon, track } from '../../harness/process.js';

export const SHIPPED_DEVICE_BROKER_CONF = path.resolve(
  import.meta.dirname,
  '../../../edge-agent/examples/mosquitto/devices.conf',
);

export type ConfBroker = { url: string; port: number; stop(): Promise<void>; logs(): string };

/**
 * A Mosquitto running a given config file as shipped, with only what must differ in a test replaced: the
 * listener (a free loopback port), persistence_location (a temp dir), sys_interval (1 s, so the drop counter
 * is seen quickly) and the user to run as. `drop` removes settings (e.g. to get Mosquitto's defaults).
 * Null when no mosquitto binary exists (the caller skips; CI installs it).
 */
export async function startMosquittoWithConf(
  confFile: string,
  drop: string[] = [],
): Promise<ConfBroker | null> {
  const bin = findBinary('mosquitto');
  if (!bin) return null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-mosquitto-conf-'));
  const port = await freePort();
  const replaced = ['listener', 'persistence_location', 'sys_interval', 'user', 'log_dest', ...drop];
  const kept = readFileSync(confFile, 'utf8')
    .split('\n')
    .filter((l) => !replaced.includes(l.trim().split(/\s+/)[0] ?? ''));
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      `persistence_location ${dir}/`,
      'sys_interval 1',
      `user ${os.userInfo().username}`,
      'log_dest stdout',
      ...kept,
      '',
    ].join('\n'),
  );
  const d = spawnDaemon(bin, ['-c', conf]);
  track(d.child);
  await waitForPort(port);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    logs: d.output,
    stop: async () => {
      await d.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
