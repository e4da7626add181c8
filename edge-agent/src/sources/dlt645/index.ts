import type { SourcePlugin } from '../plugin.js';
import { checkDlt645 } from './check.js';
import { devicePoints } from './points.js';
import { dlt645Scan } from './scan.js';
import { dlt645SourceSchema } from './schema.js';
import { Dlt645Source } from './source.js';

export { type Dlt645SourceConfig, dlt645SourceSchema } from './schema.js';

/** DL/T 645-2007 source (see ./README.md). */
export const dlt645Plugin: SourcePlugin<typeof dlt645SourceSchema> = {
  type: 'dlt645',
  summary:
    'DL/T 645-2007 电能表（RS-485 串口、透传网关）按数据标识轮询 / DL/T 645-2007 meters (serial, TCP gateways)',
  schema: dlt645SourceSchema,
  validate(src, v) {
    const addresses = new Map<string, number>();
    src.devices.forEach((d, di) => {
      const at = `${v.at}.devices[${di}]`;
      const prev = addresses.get(d.address);
      if (prev !== undefined)
        v.issue(`${at}.address`, `address ${d.address} is already used by devices[${prev}] on this line`);
      addresses.set(d.address, di);
      const resolved = devicePoints(d);
      if (typeof resolved === 'string') {
        v.issue(`${at}.${d.only ? 'only' : 'points'}`, resolved);
        return;
      }
      v.device(at, d.deviceId, d);
      const keys = new Set<string>();
      resolved.forEach((p, pi) => {
        if (keys.has(p.key))
          v.issue(`${at}.points[${pi}].key`, `key "${p.key}" appears twice for this meter`);
        keys.add(p.key);
        v.metric(`${at}(${p.key})`, d.deviceId, p);
      });
    });
  },
  create: (cfg, ctx) => new Dlt645Source(cfg, ctx),
  check: (cfg) => checkDlt645(cfg),
  scan: dlt645Scan,
  health: [
    {
      key: 'requests',
      metric: 'xiang_edge_dlt645_requests_total',
      type: 'counter',
      help: 'DL/T 645 read requests sent',
    },
    {
      key: 'responses',
      metric: 'xiang_edge_dlt645_responses_total',
      type: 'counter',
      help: 'DL/T 645 answers with data',
    },
    {
      key: 'timeout',
      metric: 'xiang_edge_dlt645_timeouts_total',
      type: 'counter',
      help: 'Requests without an answer within the timeout',
    },
    {
      key: 'crcError',
      metric: 'xiang_edge_dlt645_checksum_errors_total',
      type: 'counter',
      help: 'Answers with a wrong checksum (CS)',
    },
    {
      key: 'exceptions',
      metric: 'xiang_edge_dlt645_abnormal_answers_total',
      type: 'counter',
      help: 'Abnormal answers (C = D1H) with an error byte',
    },
    {
      key: 'retries',
      metric: 'xiang_edge_dlt645_retries_total',
      type: 'counter',
      help: 'Requests tried again after a failure',
    },
  ],
};
