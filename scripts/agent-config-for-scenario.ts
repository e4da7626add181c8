/**
 * Writes the edge-agent config for a simulator scenario: the OPC UA part exactly as `xiang-edge browse`
 * produces it from a running simulator (the tested path), plus the MQTT part for the scenario's MQTT-only
 * devices, built from the same catalog the MQTT device simulator publishes from.
 *   npx tsx scripts/agent-config-for-scenario.ts hunan-machining edge-agent/examples/hunan-machining.yaml
 * `npm start` uses buildAgentConfigDoc() directly for a scenario that has no shipped example config.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildCatalog, loadScenario, startOpcuaSimulator } from '@xiang/simulators';
import YAML from 'yaml';
import { freePort } from '../tests/harness/ports.js';

const EDGE_BIN = fileURLToPath(new URL('../edge-agent/bin/xiang-edge.js', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: an untyped YAML document edited in place, re-validated by xiang-edge check
export type AgentConfigDoc = Record<string, any>;

/** Browses the scenario's OPC UA simulator (`endpoint`, else one started here) and adds the MQTT devices. */
export async function buildAgentConfigDoc(name: string, endpoint?: string): Promise<AgentConfigDoc> {
  const scenario = await loadScenario(name);
  const catalog = buildCatalog(scenario);
  const sim = endpoint ? null : await startOpcuaSimulator({ scenario, port: await freePort(), speed: false });
  const tmp = path.join(os.tmpdir(), `xiang-browse-${process.pid}-${Date.now()}.yaml`);
  try {
    // Asynchronous on purpose: the simulator runs in this process and must keep answering.
    await promisify(execFile)(process.execPath, [
      EDGE_BIN,
      'browse',
      endpoint ?? sim!.endpointUrl,
      '--out',
      tmp,
    ]);
  } finally {
    await sim?.close();
  }
  const doc = YAML.parse(readFileSync(tmp, 'utf8')) as AgentConfigDoc;
  rmSync(tmp, { force: true });
  doc.factoryId = catalog.factoryId;
  doc.agentId = 'edge1';
  doc.dataDir = './.data/edge1';
  const opcua = doc.sources[0];
  opcua.name = 'sim-opcua';
  opcua.endpoint = 'opc.tcp://127.0.0.1:4840';
  // Every simulator tick must reach the agent (exact counters): exception-based sampling with a deep queue.
  opcua.defaults = { samplingIntervalMs: 0, queueSize: 200, publishingIntervalMs: 500 };

  const mqttDevices = catalog.devices.filter((d) => d.transport === 'mqtt');
  const byCategory = new Map<string, typeof mqttDevices>();
  for (const d of mqttDevices) {
    const category =
      d.kind === 'sensor'
        ? 'env'
        : d.kind === 'meter'
          ? d.meterRole === 'utility' || d.medium !== 'electricity'
            ? 'utility'
            : 'meter'
          : 'machine';
    byCategory.set(category, [...(byCategory.get(category) ?? []), d]);
  }
  const subscriptions = [...byCategory.entries()].map(([category, devs]) => {
    const keys = new Map<string, (typeof devs)[number]['metrics'][number]>();
    for (const d of devs) for (const m of d.metrics) keys.set(m.key, m);
    return {
      topic: `plant/+factory/${category}/+device`,
      deviceId: '{device}',
      devices: devs.map((d) => d.id),
      timestamp: { path: '$.ts', format: 'epochMs' },
      values: [...keys.values()].map((m) => ({
        path: `$.values.${m.key}`,
        unitPath: `$.units.${m.key}`,
        qualityPath: `$.quality.${m.key}`,
        key: m.key,
        quantity: m.quantity,
        unit: m.unit,
      })),
    };
  });
  for (const d of mqttDevices) {
    if (!doc.devices.some((x: { id: string }) => x.id === d.id)) {
      doc.devices.push({
        id: d.id,
        kind: d.kind,
        assetPath: d.assetPath,
        ...(d.name ? { name: d.name } : {}),
        ...(d.medium ? { medium: d.medium } : {}),
        ...(d.meterRole ? { meterRole: d.meterRole } : {}),
        ...(d.parentMeter ? { parentMeter: d.parentMeter } : {}),
      });
    }
  }
  // What the integrator writes from the plant's equipment list (browse cannot read it from this server): names,
  // declared equipment and the machines each meter measures — so the agent's birth carries them.
  for (const dev of doc.devices as Record<string, unknown>[]) {
    const d = catalog.device(dev.id as string);
    if (!d) continue;
    if (!dev.name) dev.name = d.name;
    if (d.equipment) dev.equipment = d.equipment;
    if (d.measures) dev.measures = d.measures;
  }
  if (subscriptions.length) {
    doc.sources.push({
      type: 'mqtt',
      name: 'sim-mqtt',
      broker: { url: 'mqtt://127.0.0.1:1883' },
      subscriptions,
    });
  }
  return doc;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [name = 'hunan-machining', out = `edge-agent/examples/${name}.yaml`] = process.argv.slice(2);
  const doc = await buildAgentConfigDoc(name);
  const opcua = doc.sources[0];
  const header = [
    `# Edge agent config for the simulator scenario "${name}" (simulators/scenarios/${name}.yaml).`,
    '# Generated by scripts/agent-config-for-scenario.ts: the OPC UA part is `xiang-edge browse` output against the',
    "# running simulator; the MQTT part covers the scenario's MQTT-only devices. `npm start` fills in ports and URLs.",
    '',
  ].join('\n');
  writeFileSync(out, header + YAML.stringify(doc, { lineWidth: 0 }));
  console.error(
    `wrote ${out}: ${doc.devices.length} devices, ${opcua.nodes.length} OPC UA nodes, ${doc.sources.length - 1} MQTT sources`,
  );
}
