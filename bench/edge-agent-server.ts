// Child process of bench/edge-agent.ts: a node-opcua server with many fast-changing variables, so the
// agent's CPU and memory are measured without the server's.
import { startTestOpcuaServer } from '../tests/edge-agent/helpers/opcua-server.js';

const vars = Number(process.argv[2] ?? 2000);
const tickMs = Number(process.argv[3] ?? 100);
const devices = Math.ceil(vars / 20);
const server = await startTestOpcuaServer({
  variables: Array.from({ length: vars }, (_, i) => ({
    deviceId: `M${String(Math.floor(i / 20)).padStart(4, '0')}`,
    key: `p${i % 20}`,
  })),
  tickMs,
  recordTruth: false,
  maxMonitoredItemsPerCall: 500,
});
process.stdout.write(
  `${JSON.stringify({ endpoint: server.endpoint, nsIndex: server.nsIndex, vars, devices })}\n`,
);
process.on('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
