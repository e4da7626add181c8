import { checkBroker } from './broker-check.js';
import type { AgentConfig } from './config/schema.js';
import { pluginOf } from './sources/registry.js';
import type { CheckResult } from './sources/types.js';

/** `xiang-edge check`: the uplink broker, then every source through its plugin's own check. */
export async function checkAll(
  cfg: AgentConfig,
  onProgress: (msg: string) => void = () => {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  onProgress(`uplink ${cfg.uplink.url}`);
  results.push(await checkBroker(`uplink ${cfg.uplink.url}`, cfg.uplink, `xiang-edge-check-${process.pid}`));
  const identity = { factoryId: cfg.factoryId, agentId: cfg.agentId };
  for (const s of cfg.sources) {
    onProgress(`${s.type} ${s.name}`);
    results.push(...(await pluginOf(s.type).check(s, { identity, progress: onProgress })));
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
