/**
 * Birth benchmark (issue 8 §3): how long the platform's event loop is blocked while it applies one agent
 * birth of N metrics (the default limit is 20 000 metrics per birth; 100 000 is refused before parsing).
 * The processor runs in this process over SQLite on disk and the embedded store; Node's own
 * `monitorEventLoopDelay` (1 ms resolution) records the longest stall while the birth is handled. The raw
 * reference measured in the same run: `JSON.parse` of the same payload, which no ingest can avoid.
 *
 *   npx tsx bench/ingest-birth.ts [--metrics 1000,5000,20000,100000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Birth } from '@xiang/protocol';
import { pino } from 'pino';
import { ingestConfigSchema, mqttConfigSchema } from '../platform/src/config/schema.js';
import { createIngest } from '../platform/src/ingest/ingest.js';
import { openPlatformDb } from '../platform/src/registry/db.js';
import { Registry } from '../platform/src/registry/registry.js';
import { EmbeddedStore } from '../platform/src/store/embedded/embedded-store.js';

const { values: a } = parseArgs({
  options: { metrics: { type: 'string', default: '1000,5000,20000,100000' } },
});
const sizes = a.metrics!.split(',').map(Number);
const log = (s: string) => process.stderr.write(`${s}\n`);
const T0 = Date.UTC(2026, 0, 5);

function birth(n: number): Birth {
  const devices = Math.min(2000, Math.max(1, Math.ceil(n / 10)));
  return {
    sessionId: `bench-birth-${n}`,
    seq: 0,
    timestamp: T0,
    agent: { version: 'bench' },
    assets: [{ path: 'WS1', level: 'workshop' }],
    devices: Array.from({ length: devices }, (_, d) => ({ id: `D${d}`, kind: 'meter', assetPath: 'WS1' })),
    metrics: Array.from({ length: n }, (_, i) => ({
      i,
      deviceId: `D${i % devices}`,
      key: `activePower.k${Math.floor(i / devices)}`,
      quantity: 'activePower',
      kind: 'gauge',
      datatype: 'double',
      unit: 'kW',
    })),
  };
}

type Row = {
  metrics: number;
  mb: number;
  outcome: string;
  wallMs: number;
  maxBlockMs: number;
  parseMs: number;
};
const rows: Row[] = [];
for (const n of sizes) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-bench-birth-'));
  const db = openPlatformDb(path.join(dir, 'platform.db'));
  const registry = new Registry(db);
  const store = new EmbeddedStore({ file: path.join(dir, 'store.db'), rollupRefreshMs: 0 });
  await store.init();
  const ingest = createIngest({
    registry,
    store,
    log: pino({ level: 'silent' }),
    mqtt: mqttConfigSchema.parse({}),
    ingest: ingestConfigSchema.parse({ autoRegisterFactories: true, maxPayloadBytes: 64 * 1024 * 1024 }),
    connect: false,
  });
  const payload = Buffer.from(JSON.stringify(birth(n)));
  const p0 = performance.now();
  JSON.parse(payload.toString('utf8'));
  const parseMs = performance.now() - p0;
  const h = monitorEventLoopDelay({ resolution: 1 });
  const tick = setInterval(() => {}, 1); // keeps the loop turning so every stall is sampled
  h.enable();
  const t0 = performance.now();
  await ingest.processor.handle('xiang/v1/BENCH/A1/birth', payload);
  const wallMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5));
  h.disable();
  clearInterval(tick);
  const t = ingest.counters.totals();
  const outcome =
    t.messages.birth && !Object.keys(t.rejectedMessages).length
      ? `applied (${registry.metricTable('BENCH', 'A1').size} metrics)`
      : `refused: ${Object.keys(t.rejectedMessages).join(', ')}`;
  const row = { metrics: n, mb: payload.length / 1e6, outcome, wallMs, maxBlockMs: h.max / 1e6, parseMs };
  rows.push(row);
  log(
    `${n} metrics: ${outcome}, ${wallMs.toFixed(0)} ms wall, longest stall ${row.maxBlockMs.toFixed(1)} ms`,
  );
  await ingest.stop();
  await store.close();
  db.close();
  await rm(dir, { recursive: true, force: true });
}

const table = rows
  .map(
    (r) =>
      `| ${r.metrics.toLocaleString('en')} | ${r.mb.toFixed(1)} | ${r.outcome} | ${r.wallMs.toFixed(0)} | ${r.maxBlockMs.toFixed(1)} | ${r.parseMs.toFixed(1)} |`,
  )
  .join('\n');
console.log(`<!-- BENCH-RESULT -->
## Ingest: one birth, event-loop stall

One agent birth handled by the platform's ingest processor (SQLite on disk, embedded store), measured with
Node's \`monitorEventLoopDelay\` (1 ms resolution). Target: no stall longer than ~50 ms (issue 8); metrics
are validated and written 1 000 per event-loop turn. Raw reference: \`JSON.parse\` of the same payload.

| metrics | payload MB | outcome | wall ms | longest stall ms | JSON.parse ms |
| ---: | ---: | --- | ---: | ---: | ---: |
${table}
<!-- /BENCH-RESULT -->`);
