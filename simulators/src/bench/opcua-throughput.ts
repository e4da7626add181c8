/**
 * Measures how many values per second the OPC UA simulator writes and a real node-opcua client receives when
 * it monitors every variable of a scenario (samplingInterval 0, queue 1000, items created 200 per call).
 *   npx tsx simulators/src/bench/opcua-throughput.ts [scenario=hunan-machining] [speed=600] [seconds=15]
 * Prints one JSON line. A benchmark, not a test: numbers depend on the machine.
 */
import os from 'node:os';
import path from 'node:path';
import {
  AttributeIds,
  ClientMonitoredItemGroup,
  ClientSubscription,
  OPCUAClient,
  TimestampsToReturn,
} from 'node-opcua';
import { freePort } from '../../../tests/harness/ports.js';
import { startOpcuaSimulator } from '../opcua/server.js';
import { loadScenario } from '../scenario/load.js';

const [name = 'hunan-machining', speedArg = '600', secondsArg = '15'] = process.argv.slice(2);
const scenario = await loadScenario(name);
const srv = await startOpcuaSimulator({
  scenario,
  port: await freePort(),
  speed: false,
  pkiDir: path.join(os.tmpdir(), 'xiang-sim-bench-pki'),
});
srv.sim.step();
const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
await client.connect(srv.endpointUrl);
const session = await client.createSession();
const sub = ClientSubscription.create(session, {
  requestedPublishingInterval: 100,
  requestedMaxKeepAliveCount: 20,
  requestedLifetimeCount: 600,
  maxNotificationsPerPublish: 0,
  publishingEnabled: true,
});
let received = 0;
const defs = srv.sim.catalog.metrics.filter((m) => srv.sim.catalog.device(m.deviceId)?.transport === 'opcua');
for (let i = 0; i < defs.length; i += 200) {
  const group = ClientMonitoredItemGroup.create(
    sub,
    defs
      .slice(i, i + 200)
      .map((m) => ({ nodeId: `ns=1;s=${m.deviceId}.${m.key}`, attributeId: AttributeIds.Value })),
    { samplingInterval: 0, queueSize: 1000, discardOldest: false },
    TimestampsToReturn.Both,
  );
  group.on('changed', () => received++);
  await new Promise((r) => group.once('initialized', r));
}
const { LiveClock } = await import('../clock.js');
const speed = Number(speedArg);
const seconds = Number(secondsArg);
const writes0 = srv.writes();
const rx0 = received;
const tick0 = srv.sim.tick;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const clock = new LiveClock(srv.sim, { speed });
clock.start();
await new Promise((r) => setTimeout(r, seconds * 1000));
clock.stop();
const elapsedS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const ticks = srv.sim.tick - tick0;
const written = srv.writes() - writes0;
// let the last publish responses arrive before counting what the client got
await new Promise((r) => setTimeout(r, 1000));
const got = received - rx0;
console.log(
  JSON.stringify({
    scenario: name,
    variables: defs.length,
    speed,
    seconds: Math.round(elapsedS * 10) / 10,
    ticksPerSecond: Math.round((ticks / elapsedS) * 10) / 10,
    expectedTicksPerSecond: speed / srv.sim.dtS,
    valuesWrittenPerSecond: Math.round(written / elapsedS),
    valuesReceivedPerSecond: Math.round(got / elapsedS),
    lostValues: written - got,
    cpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / elapsedS) * 100),
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
  }),
);
await sub.terminate();
await session.close();
await client.disconnect();
await srv.close();
