import type { ScanCommand, ScanResult } from '../plugin.js';
import { mapPoints, shippedMaps } from './maps.js';
import { readOnce } from './probe.js';
import type { ModbusSourceConfig } from './schema.js';
import { describeConnection, SerialModbusTransport } from './transport.js';

/** "1..10", "1,3,5", "1..4,9" → unit ids (0..255). */
export function parseUnits(text: string): number[] | string {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+))?\s*$/.exec(part);
    if (!m) return `--unit: expected "1..10" or "1,2,5", got "${text}"`;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > b || b > 255) return `--unit: ${part.trim()} is not a range within 0..255`;
    for (let u = a; u <= b; u++) out.add(u);
  }
  return [...out];
}

function connectionFrom(v: Record<string, unknown>): ModbusSourceConfig['connection'] | string {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (str('serial')) {
    const parity = str('parity') ?? 'none';
    if (!['none', 'even', 'odd'].includes(parity)) return '--parity: none, even or odd';
    return {
      transport: 'rtu',
      path: str('serial')!,
      baudRate: Number(str('baud') ?? 9600),
      parity: parity as 'none',
      dataBits: 8,
      stopBits: 1,
    };
  }
  const host = str('host');
  if (!host) return 'expected --host H (Modbus TCP or a TCP gateway) or --serial /dev/ttyX';
  const transport = v['rtu-over-tcp'] === true ? 'rtuOverTcp' : 'tcp';
  return { transport, host, port: Number(str('port') ?? 502) };
}

/**
 * `xiang-edge scan modbus`: asks every unit id in the range; a unit that answers is matched against the
 * shipped register maps by plausible values of each map's `identify` points (e.g. voltage 50..500 V and
 * frequency 45..65 Hz at that map's addresses). Units that answer but fit no map are listed, not guessed.
 */
export const modbusScan: ScanCommand = {
  usage:
    '--host H [--port 502] [--rtu-over-tcp] | --serial /dev/ttyUSB0 [--baud 9600] [--parity none|even|odd]\n' +
    '            --unit 1..10 [--timeout 500]',
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    'rtu-over-tcp': { type: 'boolean' },
    serial: { type: 'string' },
    baud: { type: 'string' },
    parity: { type: 'string' },
    unit: { type: 'string' },
    timeout: { type: 'string' },
  },
  async run(values, _positionals, progress): Promise<ScanResult> {
    const conn = connectionFrom(values);
    if (typeof conn === 'string') throw new Error(conn);
    const units = parseUnits(typeof values.unit === 'string' ? values.unit : '1..10');
    if (typeof units === 'string') throw new Error(units);
    const timeoutMs = Number(typeof values.timeout === 'string' ? values.timeout : 500);
    const io = new SerialModbusTransport(conn);
    await io.open();
    const devices: Array<Record<string, unknown>> = [];
    const notes: string[] = [];
    try {
      for (const unit of units) {
        progress(`unit ${unit}…`);
        let answered = false;
        let found: string | null = null;
        for (const [model, map] of shippedMaps()) {
          const probe = mapPoints(map).filter((p) => map.identify?.some((i) => i.key === p.key));
          const readings = await readOnce(io, unit, probe, timeoutMs);
          if (readings.some((r) => r.failure?.kind === 'timeout' || r.failure?.kind === 'notConnected'))
            break;
          answered = true;
          const fits = readings.every((r) => {
            const id = map.identify!.find((i) => i.key === r.key)!;
            return r.value !== undefined && r.value >= id.min && r.value <= id.max;
          });
          if (fits) {
            found = model;
            notes.push(
              `unit ${unit}: ${map.manufacturer} ${model} (${readings.map((r) => `${r.key}=${Number(r.value!.toPrecision(5))}`).join(', ')}); map confidence ${map.confidence}${map.checkedAgainstManual ? '' : ', not checked against the manual'}`,
            );
            break;
          }
        }
        if (found)
          devices.push({ deviceId: `MB-U${unit}`, unit, model: found, kind: 'meter', medium: 'electricity' });
        else if (answered)
          notes.push(`unit ${unit}: answers, but fits no shipped map — add a mapFile from its manual`);
        progress(`unit ${unit}: ${found ?? (answered ? 'answers, unknown model' : 'no answer')}`);
      }
    } finally {
      await io.close();
    }
    if (devices.length === 0)
      throw new Error(
        `no known meter answered on ${describeConnection(conn)} (units ${units[0]}..${units.at(-1)}); ${notes.join('; ') || 'nothing answered'}`,
      );
    return {
      source: {
        type: 'modbus',
        name: 'modbus1',
        connection: conn,
        timeoutMs: Math.max(timeoutMs, 200),
        pollIntervalMs: 5000,
        devices,
      },
      notes: [
        `由 xiang-edge scan modbus 生成：请核对设备编号与型号；寄存器表的来源与可信度见 edge-agent/src/sources/modbus/maps/。`,
        `Found by \`xiang-edge scan modbus\` on ${describeConnection(conn)}: check device ids and models; map sources and confidence are in edge-agent/src/sources/modbus/maps/.`,
        ...notes,
      ],
    };
  },
};
