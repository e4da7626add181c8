/**
 * Modbus throughput per TCP gateway and per serial bus (issue 15 closing note: values/s per serial bus and per
 * TCP gateway the agent sustains).
 *
 *   npx tsx bench/modbus.ts [--seconds 10] [--bauds 9600,19200]
 *
 * The simulator's meters (hunan-machining, SDM630/DTSU666/ADW300 in turn, every point of each shipped map)
 * as unit ids behind one Modbus TCP gateway, and as RTU slaves on one end of a socat pty pair: unthrottled (the
 * pty carries bytes at once) and at real line speeds (the simulator delays each answer by the wire time of
 * request + answer at that baud rate, 8N1). The agent's Modbus source (polling groups, bus scheduler with its
 * default inter-frame silence, decoding, per-point status) reads into a counting sink, polling as fast as the bus
 * allows (interval 10 ms). The raw limit, measured in the same run on the same face: back-to-back modbus-serial
 * reads of the same coalesced register blocks, nothing decoded, no silence between frames.
 */
import { parseArgs } from 'node:util';
import modbusSerial from 'modbus-serial';
import pino from 'pino';
import { Stats } from '../edge-agent/src/health/stats.js';
import { devicePoints } from '../edge-agent/src/sources/modbus/maps.js';
import { planReads, type ReadRequest } from '../edge-agent/src/sources/modbus/plan.js';
import { type ModbusSourceConfig, modbusSourceSchema } from '../edge-agent/src/sources/modbus/schema.js';
import { defaultPacingMs, ModbusSource } from '../edge-agent/src/sources/modbus/source.js';
import { createSimulation, loadScenario } from '../simulators/src/index.js';
import {
  type LineSpeed,
  type ModbusSimulator,
  type PtyPair,
  startModbusSimulator,
  startPtyPair,
} from '../simulators/src/modbus/index.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, bauds: { type: 'string' } } });
const seconds = Number(values.seconds ?? 10);
const bauds = (values.bauds ?? '9600,19200').split(',').map(Number);
const scenario = await loadScenario('hunan-machining');
const simulation = createSimulation(scenario, { startMs: Date.parse('2025-03-03T09:00:00+08:00') });
const ModbusRTU = modbusSerial.default;

type Conn = ModbusSourceConfig['connection'];
type Face = { label: string; conn: Conn; sim: ModbusSimulator; pty?: PtyPair };

function sourceConfig(conn: Conn, sim: ModbusSimulator, pacingMs?: number): ModbusSourceConfig {
  return modbusSourceSchema.parse({
    type: 'modbus',
    name: 'bench',
    connection: conn,
    pollIntervalMs: 10,
    timeoutMs: 2000,
    ...(pacingMs !== undefined ? { pacingMs } : {}),
    devices: sim.meters.map((m) => ({ deviceId: m.deviceId, unit: m.unit, model: m.model })),
  });
}

/** The coalesced reads the agent plans for each unit, with how many values each carries. */
function plannedReads(cfg: ModbusSourceConfig): Array<{ unit: number; read: ReadRequest }> {
  return cfg.devices.flatMap((d) => {
    const pts = devicePoints(d);
    if (typeof pts === 'string') throw new Error(pts);
    return planReads(pts.points, cfg.maxRegistersPerRead, cfg.maxGap).map((read) => ({ unit: d.unit, read }));
  });
}

/** Raw limit: modbus-serial reads of the same blocks, back to back. */
async function raw(face: Face, ms: number): Promise<{ values: number; requests: number }> {
  const reads = plannedReads(sourceConfig(face.conn, face.sim));
  const client = new ModbusRTU();
  const c = face.conn;
  if (c.transport === 'tcp') await client.connectTCP(c.host, { port: c.port });
  else if (c.transport === 'rtu') await client.connectRTUBuffered(c.path, { baudRate: c.baudRate });
  else await client.connectTelnet(c.host, { port: c.port });
  client.setTimeout(2000);
  let n = 0;
  let v = 0;
  const t0 = performance.now();
  const until = t0 + ms;
  // Whole rounds only: the blocks differ in size (and, on a slow line, in wire time).
  while (performance.now() < until || n % reads.length !== 0) {
    const { unit, read } = reads[n % reads.length]!;
    client.setID(unit);
    if (read.table === 'holding') await client.readHoldingRegisters(read.start, read.count);
    else await client.readInputRegisters(read.start, read.count);
    n++;
    v += read.points.length;
  }
  const dt = (performance.now() - t0) / 1000;
  await new Promise<void>((r) => client.close(() => r()));
  return { values: v / dt, requests: n / dt };
}

async function agent(
  face: Face,
  ms: number,
  pacingMs?: number,
): Promise<{ values: number; requests: number }> {
  const stats = new Stats().source('bench', 'modbus');
  let pushed = 0;
  let next = 0;
  const cfg = sourceConfig(face.conn, face.sim, pacingMs);
  const plan = plannedReads(cfg);
  const perRound = plan.reduce((n, r) => n + r.read.points.length, 0);
  const reads = plan.length;
  // Counting from p0, the clock stops at the first whole round (every unit polled in turn) after `ms`.
  let p0 = -1;
  let t0 = 0;
  let t1 = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const src = new ModbusSource(cfg, {
    sink: {
      register: () => next++,
      push: (_i, _d, _t, v) => {
        if (v === null) return;
        pushed++;
        // The clock starts after the first whole round (connected, every unit answered once).
        if (p0 < 0 && pushed === perRound) {
          p0 = pushed;
          t0 = performance.now();
        } else if (p0 >= 0 && !t1 && performance.now() - t0 >= ms && (pushed - p0) % perRound === 0) {
          t1 = performance.now();
          done();
        }
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
  let guard: NodeJS.Timeout | undefined;
  await Promise.race([
    finished,
    new Promise((_, reject) => {
      guard = setTimeout(
        () => reject(new Error(`${face.label}: no whole round within ${3 * ms + 60_000} ms`)),
        3 * ms + 60_000,
      );
    }),
  ]);
  clearTimeout(guard);
  const dt = (t1 - t0) / 1000;
  const out = { values: (pushed - p0) / dt, requests: (((pushed - p0) / perRound) * reads) / dt };
  await src.stop();
  if ((stats.counters.timeout ?? 0) > 0 || (stats.counters.crcError ?? 0) > 0)
    throw new Error(`${face.label}: the agent saw failures ${JSON.stringify(stats.counters)}`);
  return out;
}

async function serialFace(label: string, baudRate: number, lineSpeed?: LineSpeed): Promise<Face> {
  const pty = await startPtyPair();
  const sim = await startModbusSimulator({
    scenario,
    simulation,
    speed: false,
    serialPath: pty.simPath,
    ...(lineSpeed ? { lineSpeed } : {}),
  });
  return {
    label,
    conn: modbusSourceSchema.shape.connection.parse({ transport: 'rtu', path: pty.agentPath, baudRate }),
    sim,
    pty,
  };
}

type Row = {
  label: string;
  raw: number[];
  rawReq: number;
  agent: { values: number; requests: number };
  pacing: number;
  note?: string;
};
const rows: Row[] = [];

/** Raw before and after the agent (the machine is shared): the limit is the better of the two. */
async function measure(face: Face, pacingMs?: number, note?: string): Promise<void> {
  process.stderr.write(`modbus bench: ${face.label}${note ? ` (${note})` : ''}\n`);
  await raw(face, 1000); // warm-up, not counted
  const before = await raw(face, seconds * 1000);
  const a = await agent(face, seconds * 1000, pacingMs);
  const after = await raw(face, seconds * 1000);
  const best = before.values >= after.values ? before : after;
  const pacing = pacingMs ?? defaultPacingMs(face.conn);
  rows.push({
    label: face.label,
    raw: [before.values, after.values],
    rawReq: best.requests,
    agent: a,
    pacing,
    ...(note ? { note } : {}),
  });
}

const tcpSim = await startModbusSimulator({ scenario, simulation, speed: false, tcpPort: 0 });
const units = tcpSim.meters.length;
const reads = plannedReads(
  sourceConfig({ transport: 'tcp', host: '127.0.0.1', port: tcpSim.tcpPort! }, tcpSim),
);
const valuesPerCycle = reads.reduce((n, r) => n + r.read.points.length, 0);
await measure({
  label: 'Modbus TCP gateway (loopback)',
  conn: { transport: 'tcp', host: '127.0.0.1', port: tcpSim.tcpPort! },
  sim: tcpSim,
});
await tcpSim.close();
const fast = await serialFace('RTU, pty unthrottled', 115_200);
await measure(fast);
await measure(fast, 0, 'no inter-frame silence');
await fast.sim.close();
await fast.pty!.close();
for (const baud of bauds) {
  const f = await serialFace(`RTU, pty at ${baud} bit/s 8N1`, baud, { baudRate: baud, bitsPerChar: 10 });
  await measure(f);
  await f.sim.close();
  await f.pty!.close();
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const table = rows
  .map(
    (r) =>
      `| ${r.label}${r.note ? `, ${r.note}` : ''} | ${r.pacing} | ${fmt(r.rawReq)} | ${fmt(Math.max(...r.raw))} (${r.raw.map(fmt).join(' / ')}) | ${fmt(r.agent.requests)} | ${fmt(r.agent.values)} | **${(r.agent.values / Math.max(...r.raw)).toFixed(2)}** |`,
  )
  .join('\n');
console.log(`<!-- BENCH-RESULT -->
## Modbus: values/s per TCP gateway and per serial bus

${units} simulated meters (hunan-machining; models SDM630 / DTSU666 / ADW300 in turn, every point of each shipped
map: ${valuesPerCycle} values in ${reads.length} coalesced reads per round) on one bus, simulator in the same
process. The agent's Modbus source polls every unit as fast as the bus allows (interval 10 ms) into a counting
sink; the raw limit is back-to-back modbus-serial reads of the same register blocks on the same face in the same
run (nothing decoded, no inter-frame silence), measured before and after the agent. Serial: the agent and
modbus-serial on one end of a socat pty pair, the simulator's RTU slaves on the other; "at N bit/s" = each answer
leaves after the wire time of request + answer at that rate (8N1, 10 bits per character), as on a real RS-485 line.
Silence = the agent's inter-frame pacing (RTU default 3.5 character times, at least 2 ms; Modbus over Serial Line
V1.02 §2.5.1.1).

| bus | silence ms | raw reads/s | raw values/s (before / after) | agent reads/s | agent values/s | agent / raw |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${table}

At real line speeds the serial side bounds both: the agent sustains what the line carries, less the silence it
keeps between frames. Unthrottled, the ratio is the cost of that silence (and of scheduling and decoding) next
to one exchange through the pty; without silence it shows the agent's own cost.
<!-- /BENCH-RESULT -->`);
process.exit(0);
