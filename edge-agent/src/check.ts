import { connect } from 'mqtt';
import { AttributeIds } from 'node-opcua';
import type { AgentConfig, MqttSourceConfig, OpcuaSourceConfig } from './config/schema.js';
import { brokerOptions } from './sources/mqtt/source.js';
import { connectOnce } from './sources/opcua/client.js';
import { chunk, readOperationLimits } from './sources/opcua/limits.js';
import { resolveNodes } from './sources/opcua/resolve.js';
import type { CheckResult } from './sources/types.js';

/** Tries one OPC UA endpoint: session, limits, every node resolvable and readable. */
export async function checkOpcua(s: OpcuaSourceConfig): Promise<CheckResult> {
  const target = `opcua ${s.name} ${s.endpoint}`;
  let conn: Awaited<ReturnType<typeof connectOnce>> | null = null;
  try {
    conn = await connectOnce({
      endpoint: s.endpoint,
      securityMode: s.securityMode,
      securityPolicy: s.securityPolicy,
      user: s.user,
      pkiDir: s.pki.dir!,
      trustOnFirstUse: s.pki.trustOnFirstUse,
      initialDelayMs: 200,
      maxDelayMs: 1000,
    });
    const session = conn.session;
    const limits = await readOperationLimits(session);
    const resolved = await resolveNodes(
      session,
      s.nodes,
      await session.readNamespaceArray(),
      limits.maxNodesPerTranslateBrowsePathsToNodeIds,
    );
    const bad: string[] = [];
    const readable: Array<{
      i: number;
      nodeId: NonNullable<Extract<(typeof resolved)[number], { nodeId: unknown }>['nodeId']>;
    }> = [];
    resolved.forEach((r, i) => {
      if ('error' in r) bad.push(`${s.nodes[i]!.deviceId}.${s.nodes[i]!.key}: ${r.error}`);
      else readable.push({ i, nodeId: r.nodeId });
    });
    for (const part of chunk(readable, limits.maxNodesPerRead)) {
      const dvs = await session.read(
        part.map((p) => ({ nodeId: p.nodeId, attributeId: AttributeIds.Value })),
      );
      part.forEach((p, j) => {
        const sc = dvs[j]?.statusCode;
        // Bad_NodeIdUnknown etc. are config errors; a Bad value from a sensor is still a readable node.
        if (sc && /NodeId|AttributeId|NotReadable|UserAccessDenied/.test(sc.name)) {
          bad.push(`${s.nodes[p.i]!.deviceId}.${s.nodes[p.i]!.key}: ${sc.name}`);
        }
      });
    }
    if (bad.length > 0) {
      return {
        target,
        ok: false,
        detail: `${bad.length}/${s.nodes.length} nodes unusable: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; …' : ''}`,
      };
    }
    return {
      target,
      ok: true,
      detail: `${s.nodes.length} nodes readable (MaxMonitoredItemsPerCall ${limits.maxMonitoredItemsPerCall})`,
    };
  } catch (e) {
    return { target, ok: false, detail: e instanceof Error ? e.message : String(e) };
  } finally {
    await conn?.session.close().catch(() => {});
    await conn?.client.disconnect().catch(() => {});
  }
}

/** Connects to a broker with the given credentials and disconnects (a separate client id, so a running agent is untouched). */
export async function checkBroker(
  target: string,
  broker: MqttSourceConfig['broker'],
  clientId: string,
  timeoutMs = 8000,
): Promise<CheckResult> {
  const opts = {
    ...brokerOptions(broker, clientId),
    clientId,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
  };
  return await new Promise<CheckResult>((resolve) => {
    const c = connect(broker.url, opts);
    const done = (r: CheckResult) => {
      clearTimeout(t);
      c.end(true);
      resolve(r);
    };
    const t = setTimeout(
      () => done({ target, ok: false, detail: `no CONNACK within ${timeoutMs} ms` }),
      timeoutMs,
    );
    c.once('connect', () => done({ target, ok: true, detail: 'connected' }));
    c.once('error', (e) => done({ target, ok: false, detail: e.message }));
    c.once('close', () =>
      done({ target, ok: false, detail: 'connection closed by the broker (unreachable or refused)' }),
    );
  });
}

export async function checkAll(
  cfg: AgentConfig,
  onProgress: (msg: string) => void = () => {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  onProgress(`uplink ${cfg.uplink.url}`);
  results.push(await checkBroker(`uplink ${cfg.uplink.url}`, cfg.uplink, `xiang-edge-check-${process.pid}`));
  for (const s of cfg.sources) {
    onProgress(`${s.type} ${s.name}`);
    if (s.type === 'opcua') results.push(await checkOpcua(s));
    else
      results.push(
        await checkBroker(
          `mqtt ${s.name} ${s.broker.url}`,
          s.broker,
          `xiang-edge-check-${s.name}-${process.pid}`,
        ),
      );
  }
  return results;
}

export function formatTable(results: CheckResult[]): string {
  const w = Math.max(6, ...results.map((r) => r.target.length));
  const lines = [`${'TARGET'.padEnd(w)}  RESULT  DETAIL`];
  for (const r of results)
    lines.push(`${r.target.padEnd(w)}  ${(r.ok ? 'OK' : 'FAILED').padEnd(6)}  ${r.detail}`);
  return lines.join('\n');
}
