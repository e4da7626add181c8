import { pluginOf } from '../sources/registry.js';
import type { BrokerConfig } from './parts.js';
import type { AgentConfig } from './schema.js';

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** A broker password sent without TLS to another host. */
export function brokerWarnings(b: BrokerConfig, at: string): string[] {
  if (b.password === undefined) return [];
  const url = new URL(b.url);
  const plain = ['mqtt:', 'tcp:', 'ws:'].includes(url.protocol);
  if (!plain || LOOPBACK.test(url.hostname)) return [];
  return [
    `${at}.url: the password of "${b.username ?? ''}" goes to ${url.hostname} over ${url.protocol}// without TLS ` +
      '— readable on the network; use mqtts:// (tls.caFile)',
  ];
}

/**
 * Security warnings of a valid config (the agent runs, but something is exposed): the uplink's and every
 * source plugin's own. Printed loudly by `run` and `check`; `check --strict` fails on any.
 */
export function securityWarnings(cfg: AgentConfig): string[] {
  const out = brokerWarnings(cfg.uplink, 'uplink');
  cfg.sources.forEach((s, i) => {
    out.push(...(pluginOf(s.type).warnings?.(s, `sources[${i}]`) ?? []));
  });
  return out;
}
