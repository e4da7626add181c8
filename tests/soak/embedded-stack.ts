/**
 * The embedded-broker variant of the soak world: the aedes broker and the platform in ONE process, wired as
 * `npm start` (scripts/start.ts) wires them — broker first on a fixed port, then the platform subscribed to
 * it with MQTT 3.1.1. A kill -9 of this process is a crash of both, as it is for `npm start`.
 *
 *   node --import tsx tests/soak/embedded-stack.ts --config platform.yaml --mqtt-port 18830
 *
 * Prints the same "platform started" / "API: <url>/api/v1" lines as `xiang serve`; SIGTERM stops the
 * platform, then the broker.
 */
import { parseArgs } from 'node:util';
import { startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import { loadConfig } from '../../platform/src/config/load.js';
import { startPlatform } from '../../platform/src/main.js';

const { values } = parseArgs({ options: { config: { type: 'string' }, 'mqtt-port': { type: 'string' } } });
const port = Number(values['mqtt-port']);
if (!values.config || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: embedded-stack.ts --config <platform.yaml> --mqtt-port <port>\n');
  process.exit(2);
}
const config = loadConfig({
  file: values.config,
  overrides: { 'mqtt.url': `mqtt://127.0.0.1:${port}`, 'mqtt.protocolVersion': 4 },
});
// As scripts/start.ts: agents are admitted once the platform's ingest takes their messages over.
const broker = await startEmbeddedBroker({ port, ingestClientId: config.mqtt.clientId });
const platform = await startPlatform(config);
broker.attachIngest(platform.ingest.handoff);
process.stdout.write(`embedded broker ${broker.url}\nplatform started\n  API:   ${platform.url}/api/v1\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await platform.stop().catch(() => {});
  await broker.close().catch(() => {});
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
