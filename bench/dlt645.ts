/**
 * DL/T 645 throughput per TCP gateway (issue 15 closing note: values/s per TCP gateway).
 *
 *   npx tsx bench/dlt645.ts [--seconds 10] [--meters 3]
 *
 * The simulator's meters behind one transparent TCP gateway (same process, loopback), read by the agent's
 * DL/T 645 source (frames, field-bus scheduler, BCD decoding, per-point status) into a counting sink, polling as
 * fast as the line allows (interval 10 ms, every standard item). The raw limit, measured in the same run on the
 * same gateway: back-to-back exchanges of prebuilt request frames, no decoding or scheduling. A real RS-485 line
 * behind a gateway is far slower (2400 bit/s: ~0.2 s per exchange), so this measures the agent's own cost.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Stats } from '../edge-agent/src/health/stats.js';
import { readRequest } from '../edge-agent/src/sources/dlt645/frame.js';
import { dlt645SourceSchema } from '../edge-agent/src/sources/dlt645/schema.js';
import { Dlt645Source } from '../edge-agent/src/sources/dlt645/source.js';
import { startDlt645Simulator } from '../simulators/src/dlt645/index.js';
import { createSimulation, loadScenario } from '../simulators/src/index.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, meters: { type: 'string' } } });
const seconds = Number(values.seconds ?? 10);
const scenario = await loadScenario('hunan-machining');
const simulation = createSimulation(scenario, { startMs: Date.parse('2025-03-03T09:00:00+08:00') });
const sim = await startDlt645Simulator({ scenario, simulation, speed: false, gatewayPort: 0 });
const meters = sim.meters.slice(0, Number(values.meters ?? sim.meters.length));
const port = sim.gatewayPort!;

/** Raw limit: one exchange at a time with prebuilt frames, counting answers by their end byte only. */
async function raw(ms: number): Promise<number> {
  const frames = meters.map((m) => readRequest(m.address, '00010000'));
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.setNoDelay(true);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  let n = 0;
  const until = performance.now() + ms;
  await new Promise<void>((resolve) => {
    let got = 0;
    const send = () => {
      if (performance.now() >= until) return resolve();
      sock.write(frames[n % frames.length]!);
    };
    sock.on('data', (d: Buffer) => {
      got += d.length;
      // Each answer: 4 wake-up bytes + 12 + 8 data bytes.
      if (got >= 24) {
        got -= 24;
        n++;
        send();
      }
    });
    send();
  });
  sock.destroy();
  return n / (ms / 1000);
}

async function agent(ms: number): Promise<{ values: number; requests: number }> {
  const stats = new Stats().source('bench', 'dlt645');
  let pushed = 0;
  const cfg = dlt645SourceSchema.parse({
    type: 'dlt645',
    name: 'bench',
    connection: { transport: 'tcp', host: '127.0.0.1', port },
    pollIntervalMs: 10,
    timeoutMs: 1000,
    devices: meters.map((m) => ({ deviceId: m.deviceId, address: m.address })),
  });
  let next = 0;
  const src = new Dlt645Source(cfg, {
    sink: {
      register: () => next++,
      push: (_i, _d, _t, v) => {
        if (v !== null) pushed++;
      },
      deviceStatus: () => {},
    },
    stats,
    log: pino({ level: 'silent' }),
    devices: new Map(),
    now: Date.now,
  });
  await src.start();
  // Connected and the first answers in before the clock starts.
  for (let i = 0; i < 500 && pushed === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const p0 = pushed;
  const r0 = stats.counters.requests ?? 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const dt = (performance.now() - t0) / 1000;
  const out = { values: (pushed - p0) / dt, requests: ((stats.counters.requests ?? 0) - r0) / dt };
  await src.stop();
  return out;
}

process.stderr.write(`dlt645 bench: ${meters.length} meters behind one gateway, ${seconds} s per phase\n`);
await raw(1000); // warm-up of the simulator and the socket path, not counted
const rawBefore = await raw(seconds * 1000);
const a = await agent(seconds * 1000);
// Measured again after the agent: the machine is shared, so the limit is the better of the two.
const rawAfter = await raw(seconds * 1000);
const rawRate = Math.max(rawBefore, rawAfter);
await sim.close();
const ratio = a.values / rawRate;
console.log(`<!-- BENCH-RESULT -->
## DL/T 645: values/s per TCP gateway

${meters.length} simulated meters (hunan-machining) behind one transparent TCP gateway on loopback, simulator in
the same process. The agent's DL/T 645 source reads every standard item (one DI per request) through the
field-bus scheduler into a counting sink; the raw limit is back-to-back exchanges of prebuilt frames on the same
gateway in the same run. One value = one request (DL/T 645 reads one DI per frame).

| | exchanges/s | values/s |
| --- | ---: | ---: |
| raw limit (prebuilt frames, no decoding; best of before/after: ${rawBefore.toFixed(0)} / ${rawAfter.toFixed(0)}) | ${rawRate.toFixed(0)} | — |
| agent source | ${a.requests.toFixed(0)} | ${a.values.toFixed(0)} |

Agent / raw = **${ratio.toFixed(2)}**. A real line is bounded by the serial side: at 2400 bit/s 8E1 a read
exchange (20 + 24 bytes × 11 bits) takes ≈ 0.2 s plus the meter's 20–500 ms answer delay, i.e. ≈ 2–4 values/s
per RS-485 line, about three orders of magnitude below what the agent sustains here. A ratio near (or above)
1 says the agent's decoding and scheduling cost little next to one loopback round trip through the simulated
gateway, which bounds both (the simulator runs in the same process).
<!-- /BENCH-RESULT -->`);
process.exit(0);
