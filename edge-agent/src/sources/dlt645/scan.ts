import type { ScanCommand, ScanResult } from '../plugin.js';
import { classifyError } from './quality.js';
import { readAddress, readItem, readWithWildcard } from './read.js';
import type { Dlt645SourceConfig } from './schema.js';
import { type Dlt645Link, describeConnection, StreamLink } from './transport.js';

const ENERGY = { di: '00010000', format: 'XXXXXX.XX', signed: false } as const;

function connectionFrom(v: Record<string, unknown>): Dlt645SourceConfig['connection'] | string {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (str('serial')) {
    const parity = str('parity') ?? 'even';
    if (!['none', 'even', 'odd'].includes(parity)) return '--parity: none, even or odd';
    return {
      transport: 'serial',
      path: str('serial')!,
      baudRate: Number(str('baud') ?? 2400),
      parity: parity as 'even',
      dataBits: 8,
      stopBits: 1,
    };
  }
  const host = str('host');
  const port = Number(str('port'));
  if (!host || !Number.isInteger(port) || port < 1 || port > 65_535)
    return 'expected --host H --port P (a transparent TCP gateway) or --serial /dev/ttyX';
  return { transport: 'tcp', host, port };
}

type Probe = 'none' | 'one' | 'collision';
/** A line where every answer is garbled would otherwise make the search descend everywhere. */
const MAX_PROBES = 2000;

/**
 * Walks the address space with abbreviated addresses (§5.1.3.1): ask "low byte = 00..99, the rest AAH"; no
 * answer = no meter there, a good answer = exactly one meter (its full address comes back), a garbled answer
 * (several meters talking at once) = fix the next byte too. Bounded: at most 100 requests per level and MAX_PROBES in all.
 */
async function walk(
  link: Dlt645Link,
  timeoutMs: number,
  preamble: number,
  progress: (m: string) => void,
): Promise<string[]> {
  const found: string[] = [];
  let budget = MAX_PROBES;
  const probe = async (pattern: string): Promise<Probe> => {
    if (--budget < 0) throw new Error(`address search gave up after ${MAX_PROBES} requests (a noisy line?)`);
    try {
      found.push(await readWithWildcard(link, pattern, ENERGY.di, timeoutMs, preamble));
      return 'one';
    } catch (e) {
      link.discardPending();
      const f = classifyError(e);
      if (f.kind === 'notConnected') throw e;
      return f.kind === 'timeout' ? 'none' : 'collision';
    }
  };
  const level = async (suffix: string): Promise<void> => {
    if (suffix.length >= 12) return;
    for (let n = 0; n < 100; n++) {
      const low = `${String(n).padStart(2, '0')}${suffix}`;
      const pattern = `${'AA'.repeat((12 - low.length) / 2)}${low}`;
      const r = await probe(pattern);
      if (r === 'collision') {
        progress(`…${low}: several meters answer, narrowing`);
        await level(low);
      }
    }
  };
  await level('');
  return [...new Set(found)];
}

/**
 * `xiang-edge scan dlt645`: finds the meters on a line and writes a config skeleton. Given `--address` it asks
 * those meters; otherwise it first asks "who is there" (read address 13H to AA…AA, valid when one meter is on
 * the line) and, when that answer is garbled by several meters, walks the address space with abbreviated
 * addresses.
 */
export const dlt645Scan: ScanCommand = {
  usage:
    '--host H --port P | --serial /dev/ttyUSB0 [--baud 2400] [--parity even|none|odd]\n' +
    '            [--address 000000000001,000000000002] [--timeout 500] [--preamble 4]',
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    serial: { type: 'string' },
    baud: { type: 'string' },
    parity: { type: 'string' },
    address: { type: 'string' },
    timeout: { type: 'string' },
    preamble: { type: 'string' },
  },
  async run(values, _positionals, progress): Promise<ScanResult> {
    const conn = connectionFrom(values);
    if (typeof conn === 'string') throw new Error(conn);
    const timeoutMs = Number(typeof values.timeout === 'string' ? values.timeout : 500);
    const preamble = Number(typeof values.preamble === 'string' ? values.preamble : 4);
    if (!Number.isInteger(preamble) || preamble < 0 || preamble > 4) throw new Error('--preamble: 0..4');
    const given = typeof values.address === 'string' ? values.address.split(',').map((a) => a.trim()) : [];
    const badAddress = given.find((a) => !/^[0-9]{12}$/.test(a));
    if (badAddress) throw new Error(`--address: "${badAddress}" is not a 12-digit meter address`);
    const link = new StreamLink(conn);
    await link.open();
    const notes: string[] = [];
    const devices: Array<Record<string, unknown>> = [];
    try {
      let candidates = given;
      if (candidates.length === 0) {
        progress('read address (13H) to AA AA AA AA AA AA…');
        try {
          candidates = [await readAddress(link, timeoutMs, preamble)];
          notes.push(`one meter answered the address read (13H): ${candidates[0]}`);
        } catch (e) {
          link.discardPending();
          const f = classifyError(e);
          if (f.kind === 'notConnected') throw e;
          if (f.kind === 'timeout') throw new Error(`no meter answers on ${describeConnection(conn)}`);
          progress('several meters answer at once: walking abbreviated addresses');
          notes.push('several meters answered the address read; found by abbreviated-address search');
          candidates = await walk(link, timeoutMs, preamble, progress);
        }
      }
      for (const address of candidates) {
        try {
          const kWh = await readItem(link, address, ENERGY, timeoutMs, preamble);
          devices.push({ deviceId: `M-${address}`, address, kind: 'meter', medium: 'electricity' });
          notes.push(`meter ${address}: 正向有功总电能 ${kWh} kWh`);
          progress(`meter ${address}: ${kWh} kWh`);
        } catch (e) {
          link.discardPending();
          notes.push(`meter ${address}: ${classifyError(e).detail}`);
          progress(`meter ${address}: ${classifyError(e).detail}`);
        }
      }
    } finally {
      await link.close();
    }
    if (devices.length === 0)
      throw new Error(`no meter answered on ${describeConnection(conn)}; ${notes.join('; ')}`);
    return {
      source: {
        type: 'dlt645',
        name: 'dlt645-1',
        connection: conn,
        timeoutMs: Math.max(timeoutMs, 200),
        pollIntervalMs: 10_000,
        ...(preamble !== 4 ? { preamble } : {}),
        devices,
      },
      notes: [
        '由 xiang-edge scan dlt645 生成：请核对设备编号；默认读取标准数据项（见 edge-agent/src/sources/dlt645/README.md）。',
        `Found by \`xiang-edge scan dlt645\` on ${describeConnection(conn)}: check device ids; every meter reads the standard data items (edge-agent/src/sources/dlt645/README.md) unless narrowed with \`only\`.`,
        ...notes,
      ],
    };
  },
};
