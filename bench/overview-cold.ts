/**
 * Profile of the first overview of a fresh platform process on a data dir kept by `bench/console.ts --data-dir`
 * (issue #12): process CPU time around the request, and a CPU profile of it (inspector) when --prof FILE.
 *   npx tsx bench/overview-cold.ts --data-dir DIR [--prof out.cpuprofile] [--wait-ms 0] [--at ISO] [--save out.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedBroker } from '../platform/src/broker/embedded.js';
import { periodsAt } from '../platform/src/services/energy-monitoring/inputs.js';
import { waitFor } from '../tests/harness/ports.js';
import { PlatformHarness } from '../tests/platform/platform-harness.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    prof: { type: 'string' },
    // Writes the first answer there (to compare the answers of two processes).
    save: { type: 'string' },
    'wait-ms': { type: 'string', default: '0' },
    repeat: { type: 'string', default: '2' },
    // Another instant than 21:00 of the last day (e.g. the end of the month before: a month-long "this month").
    at: { type: 'string' },
  },
});
const dataDir = values['data-dir'];
if (!dataDir) throw new Error('--data-dir DIR (filled by bench/console.ts --data-dir DIR)');
const { end } = JSON.parse(readFileSync(path.join(dataDir, 'bench-console.json'), 'utf8')) as { end: number };
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const harness = new PlatformHarness();
const broker = await startEmbeddedBroker();
const t0 = cpuMs();
const p = await harness.start(broker.url, dataDir, { mqtt: { url: broker.url, protocolVersion: 4 } });
await waitFor(() => p.ingest.ready(), 'platform subscribed', 120_000);
const startCpu = cpuMs() - t0;
await new Promise((r) => setTimeout(r, Number(values['wait-ms'])));
const at0 = values.at ? Date.parse(values.at) : periodsAt(end, 480).todayStart - 3 * 3_600_000;
const session = new Session();
session.connect();
if (values.prof) {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}
const out: string[] = [`platform start cpu ${startCpu.toFixed(0)} ms`];
for (let r = 0; r < Number(values.repeat); r++) {
  const c = cpuMs();
  const s = performance.now();
  const res = await fetch(`${p.url}/api/v1/factories/hn-gearbox/energy/overview?at=${at0 - r * 900_000}`, {
    headers: { authorization: `Bearer ${harness.adminToken}` },
  });
  const body = await res.text();
  if (r === 0 && values.save) writeFileSync(values.save, body);
  out.push(
    `overview ${r}: HTTP ${res.status} ${(performance.now() - s).toFixed(0)} ms, cpu ${(cpuMs() - c).toFixed(0)} ms, ${body.length} chars`,
  );
  if (r === 0 && values.prof) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(values.prof, JSON.stringify(profile));
  }
}
process.stderr.write(`${out.join('\n')}\n`);
await p.stop();
await harness.dispose();
await broker.close();
