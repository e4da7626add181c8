import type { SourcePlugin } from '../plugin.js';
import { checkModbus } from './check.js';
import { devicePoints } from './maps.js';
import { modbusScan } from './scan.js';
import { modbusSourceSchema } from './schema.js';
import { ModbusSource } from './source.js';

export { type ModbusSourceConfig, modbusSourceSchema } from './schema.js';

/** Modbus TCP / RTU source (see ./README.md). */
export const modbusPlugin: SourcePlugin<typeof modbusSourceSchema> = {
  type: 'modbus',
  summary:
    'Modbus TCP / RTU（串口、透传网关）按寄存器表轮询 / Modbus TCP and RTU (serial, TCP gateways), register maps',
  schema: modbusSourceSchema,
  validate(src, v) {
    const units = new Map<number, number>();
    src.devices.forEach((d, di) => {
      const at = `${v.at}.devices[${di}]`;
      const prev = units.get(d.unit);
      if (prev !== undefined)
        v.issue(`${at}.unit`, `unit ${d.unit} is already used by devices[${prev}] on this bus`);
      units.set(d.unit, di);
      if (src.connection.transport === 'rtu' && (d.unit < 1 || d.unit > 247))
        v.issue(`${at}.unit`, 'expected 1..247 on a serial line (0 is broadcast, 248..255 reserved)');
      const resolved = devicePoints(d.mapFile ? { ...d, mapFile: v.abs(d.mapFile) } : d);
      if (typeof resolved === 'string') {
        v.issue(`${at}.${d.mapFile ? 'mapFile' : d.model ? 'model' : 'points'}`, resolved);
        return;
      }
      v.device(at, d.deviceId, d);
      const keys = new Set<string>();
      resolved.points.forEach((p, pi) => {
        if (keys.has(p.key))
          v.issue(`${at}.points[${pi}].key`, `key "${p.key}" appears twice for this device`);
        keys.add(p.key);
        v.metric(`${at}(${p.key})`, d.deviceId, p);
      });
    });
  },
  resolvePaths(s, r) {
    for (const d of s.devices) if (d.mapFile) d.mapFile = r.abs(d.mapFile);
  },
  create: (cfg, ctx) => new ModbusSource(cfg, ctx),
  check: (cfg) => checkModbus(cfg),
  scan: modbusScan,
  health: [
    {
      key: 'requests',
      metric: 'xiang_edge_modbus_requests_total',
      type: 'counter',
      help: 'Modbus read requests sent',
    },
    {
      key: 'responses',
      metric: 'xiang_edge_modbus_responses_total',
      type: 'counter',
      help: 'Modbus answers with data',
    },
    {
      key: 'timeout',
      metric: 'xiang_edge_modbus_timeouts_total',
      type: 'counter',
      help: 'Requests without an answer within the timeout',
    },
    {
      key: 'crcError',
      metric: 'xiang_edge_modbus_crc_errors_total',
      type: 'counter',
      help: 'Answers with a bad CRC (RTU)',
    },
    {
      key: 'exceptions',
      metric: 'xiang_edge_modbus_exceptions_total',
      type: 'counter',
      help: 'Modbus exception responses',
    },
    {
      key: 'retries',
      metric: 'xiang_edge_modbus_retries_total',
      type: 'counter',
      help: 'Requests tried again after a failure',
    },
  ],
};
