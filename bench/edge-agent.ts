/**
 * Edge agent throughput: a node-opcua server (child process) with N variables changing every tick, the agent
 * in this process, a real Mosquitto. Measures sustained values/s read and published (PUBACKed), the agent
 * process' CPU% (of one core) and RSS over a steady window after warm-up.
 *
 *   npx tsx bench/edge-agent.ts [--vars 2000] [--tick 100] [--seconds 30] [--warmup 5]
 *   npx tsx bench/edge-agent.ts --scenario simulators/scenarios/hunan-machining.yaml [--speed 3600]
 *
 * With --scenario the OPC UA server is the factory simulator (`xiang-sim opcua`), and the agent's config is
 * what `xiang-edge browse` makes of it — the same path a user takes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startAgent, validateConfig } from '../edge-agent/src/index.js';
import { browseToConfig } from '../edge-agent/src/sources/opcua/browse.js';
import { freePort, waitFor, waitForPort } from '../tests/harness/ports.js';
import { startMosquitto } from '../tests/harness/services.js';

const { values: o } = parseArgs({
  options: {
    vars: { type: 'string', default: '2000' },
    tick: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    scenario: { type: 'string' },
    speed: { type: 'string', default: '3600' },
  },
});
const vars = Number(o.vars);
const tickMs = Number(o.tick);
const seconds = Number(o.seconds);
const warmupS = Number(o.warmup);
const ROOT = path.resolve(import.meta.dirname, '..');

const mq = await startMosquitto();
if (!mq) throw new Error('mosquitto is needed for this benchmark');
type ServerInfo = { endpoint: string; nsIndex: number };
let child: ChildProcess;
let info: ServerInfo;
if (o.scenario) {
  const port = await freePort();
  child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'simulators/bin/xiang-sim.js'),
      'opcua',
      '--scenario',
      path.resolve(o.scenario),
      '--port',
      String(port),
      '--speed',
      String(o.speed),
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  await waitForPort(port, '127.0.0.1', 120_000);
  info = { endpoint: `opc.tcp://127.0.0.1:${port}`, nsIndex: 0 };
} else {
  child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'edge-agent-server.ts'), String(vars), String(tickMs)],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  info = await new Promise<ServerInfo>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      if (l.startsWith('{')) resolve(JSON.parse(l));
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'xiang-bench-edge-'));

/** The OPC UA source: synthetic nodes, or the simulator's address space as `xiang-edge browse` sees it. */
async function benchSource(): Promise<Record<string, unknown>> {
  const defaults = { samplingIntervalMs: 0, queueSize: 10, publishingIntervalMs: 200 };
  if (o.scenario) {
    const skeleton = await browseToConfig({
      endpoint: info.endpoint,
      depth: 10,
      trustOnFirstUse: false,
      pkiDir: path.join(dataDir, 'pki', 'bench'),
    });
    return { ...skeleton.source, name: 'bench', defaults };
  }
  return {
    type: 'opcua',
    name: 'bench',
    endpoint: info.endpoint,
    defaults,
    nodes: Array.from({ length: vars }, (_, i) => {
      const deviceId = `M${String(Math.floor(i / 20)).padStart(4, '0')}`;
      return {
        deviceId,
        key: `p${i % 20}`,
        nodeId: `ns=${info.nsIndex};s=${deviceId}.p${i % 20}`,
        quantity: 'activePower',
      };
    }),
  };
}
const agent = await startAgent(
  validateConfig({
    factoryId: 'BENCH',
    agentId: 'edge1',
    dataDir,
    uplink: { url: mq.url },
    batching: { maxPoints: 5000, maxDelayMs: 200 },
    health: { enabled: false },
    logLevel: 'warn',
    sources: [await benchSource()],
  }),
);
await waitFor(() => agent.stats().valuesPublished > 0, 'first values published', 60_000, 200);
await new Promise((r) => setTimeout(r, warmupS * 1000)); // warm-up period of the benchmark, not a synchronisation

const start = {
  t: performance.now(),
  cpu: process.cpuUsage(),
  read: agent.stats().valuesRead,
  pub: agent.stats().valuesPublished,
};
let rssMaxMb = 0;
const rssSamples: number[] = [];
for (let i = 0; i < seconds; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const rss = process.memoryUsage().rss / 1048576;
  rssSamples.push(rss);
  rssMaxMb = Math.max(rssMaxMb, rss);
}
const wallS = (performance.now() - start.t) / 1000;
const cpu = process.cpuUsage(start.cpu);
const st = agent.stats();
const readPerS = (st.valuesRead - start.read) / wallS;
const pubPerS = (st.valuesPublished - start.pub) / wallS;
const cpuPct = ((cpu.user + cpu.system) / 1e6 / wallS) * 100;
await agent.stop();
child.kill('SIGTERM');
await mq.dispose();
rmSync(dataDir, { recursive: true, force: true });

const result = {
  benchmark: 'edge-agent OPC UA → queue → MQTT',
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  server: o.scenario ? `xiang-sim opcua ${o.scenario} --speed ${o.speed}` : 'synthetic node-opcua server',
  variables: o.scenario ? Object.keys(st.sources[0]?.nodes ?? {}).length : vars,
  ...(o.scenario ? {} : { tickMs, offeredValuesPerS: Math.round((vars * 1000) / tickMs) }),
  windowS: Math.round(wallS),
  valuesReadPerS: Math.round(readPerS),
  valuesPublishedPerS: Math.round(pubPerS),
  agentCpuPercentOfOneCore: Math.round(cpuPct),
  rssMbStart: Math.round(rssSamples[0] ?? 0),
  rssMbEnd: Math.round(rssSamples.at(-1) ?? 0),
  rssMbMax: Math.round(rssMaxMb),
  queueBacklogAtEnd: st.queue.points,
  overflowsReported: st.sources[0]?.counters.queueOverflows ?? 0,
};
console.error(JSON.stringify(result, null, 2));
console.log(`<!-- BENCH-RESULT -->
## Edge agent (issue #2): OPC UA → queue → MQTT

\`npx tsx bench/edge-agent.ts ${process.argv.slice(2).join(' ')}\` — ${result.server}, ${result.variables} variables, the agent
in-process with its SQLite queue, a real Mosquitto; a ${result.windowS} s window after ${warmupS} s warm-up.

| values read/s | values published (PUBACKed)/s | agent CPU (% of one core) | RSS MiB start → end (max) | queue backlog at end | queue overflows |
|---|---|---|---|---|---|
| ${result.valuesReadPerS} | ${result.valuesPublishedPerS} | ${result.agentCpuPercentOfOneCore} | ${result.rssMbStart} → ${result.rssMbEnd} (${result.rssMbMax}) | ${result.queueBacklogAtEnd} | ${result.overflowsReported} |
<!-- /BENCH-RESULT -->`);
process.exit(0);
