// First: node-opcua's own printers are replaced before any node-opcua module loads (see log-routing.ts).
import './log-routing.js';
import type { SourcePlugin } from '../plugin.js';
import { browseCommand } from './browse.js';
import { checkOpcua } from './check.js';
import { routeNodeOpcuaLogs } from './log-routing.js';
import { opcuaSourceSchema } from './schema.js';
import { OpcuaSource } from './source.js';

export { type OpcuaNodeConfig, type OpcuaSourceConfig, opcuaSourceSchema } from './schema.js';
export { OpcuaSource } from './source.js';

/** OPC UA client source (see ./README.md). */
export const opcuaPlugin: SourcePlugin<typeof opcuaSourceSchema> = {
  type: 'opcua',
  summary: 'OPC UA 服务器（订阅）/ OPC UA servers (subscriptions, PKI, operation limits)',
  schema: opcuaSourceSchema,
  validate(src, v) {
    src.nodes.forEach((n, ni) => {
      const at = `${v.at}.nodes[${ni}]`;
      v.metric(at, n.deviceId, n);
      v.device(at, n.deviceId, n);
      if (n.deadband?.type === 'percent' && n.deadband.value > 100) {
        v.issue(`${at}.deadband.value`, 'expected a percentage 0..100');
      }
    });
  },
  warnings(s, at) {
    if (s.user.type !== 'username' || s.securityMode !== 'None') return [];
    return [
      `${at}.securityMode: user "${s.user.username}" logs in with a password over securityMode None — the session ` +
        'is neither signed nor encrypted and, unless the server encrypts the user token, the password crosses ' +
        'the network readable; use securityMode SignAndEncrypt with securityPolicy Basic256Sha256',
    ];
  },
  resolvePaths(s, r) {
    s.pki.dir = s.pki.dir ? r.abs(s.pki.dir) : `${r.dataDir}/pki/${s.name}`;
    if (s.user.type === 'certificate') {
      s.user.certFile = r.abs(s.user.certFile);
      s.user.keyFile = r.abs(s.user.keyFile);
    }
  },
  useLogger: routeNodeOpcuaLogs,
  create: (cfg, ctx) => new OpcuaSource(cfg, ctx),
  check: (cfg) => checkOpcua(cfg),
  scan: browseCommand,
  health: [
    {
      key: 'queueOverflows',
      metric: 'xiang_edge_source_queue_overflows_total',
      type: 'counter',
      help: 'OPC UA monitored-item queue overflows (values lost in the server before the agent)',
    },
  ],
};
