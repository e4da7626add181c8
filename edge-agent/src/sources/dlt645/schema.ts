import { idSchema } from '@xiang/protocol';
import { z } from 'zod';
import { deviceMetaSchema, metricMetaSchema, reconnectSchema } from '../../config/parts.js';
import { formats } from './bcd.js';

/** The `type: dlt645` source: one RS-485 line (a serial port or a transparent TCP gateway) and its meters. */

/** 12 decimal digits as printed on the meter's nameplate (表号/通信地址), e.g. "000000000001". */
export const meterAddressSchema = z
  .string()
  .regex(/^[0-9]{12}$/, 'expected the 12-digit communication address, e.g. "000000000001"');

/** A data item of your own: any DI of the standard's tables (or a manufacturer's) with its format. */
export const dataPointSchema = metricMetaSchema.extend({
  /** DI3 DI2 DI1 DI0 as the standard's tables write them, e.g. "02800004". */
  di: z.string().regex(/^[0-9A-Fa-f]{8}$/, 'expected 8 hex digits DI3..DI0, e.g. "00010000"'),
  format: z.enum(Object.keys(formats) as [keyof typeof formats, ...(keyof typeof formats)[]]),
  /** Top bit of the most significant byte is the sign (currents, powers, power factor). */
  signed: z.boolean().default(false),
});
export type DataPoint = z.infer<typeof dataPointSchema>;

const serialSchema = z.object({
  transport: z.literal('serial'),
  /** /dev/ttyUSB0, /dev/ttyS1, a pty. One port belongs to one source (one line). */
  path: z.string().min(1),
  /** DL/T 645-2007 §4 (物理层): 2400 bit/s default, 8 data bits, even parity, 1 stop bit. */
  baudRate: z.number().int().positive().default(2400),
  parity: z.enum(['none', 'even', 'odd']).default('even'),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
});
const tcpSchema = z.object({
  /** A transparent serial-to-TCP gateway (串口服务器) in front of the RS-485 line: frames pass unchanged. */
  transport: z.literal('tcp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
});

const pollSchema = z.object({
  /** Wait for one answer before the request counts as failed (the standard allows a meter up to 500 ms). */
  timeoutMs: z.number().int().min(10).max(60_000).optional(),
  /** Further attempts of a failed request; each goes back in line behind the other meters of the line. */
  retries: z.number().int().min(0).max(5).optional(),
  pollIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
});

export const dlt645DeviceSchema = deviceMetaSchema.extend(pollSchema.shape).extend({
  deviceId: idSchema,
  address: meterAddressSchema,
  /** Only these keys of the standard items (dis.ts; default: all of them unless `points` are given). */
  only: z.array(z.string()).optional(),
  /** Data items of your own (added to `only`'s, or alone). */
  points: z.array(dataPointSchema).optional(),
  /** Read the standard data blocks (dis.ts DATA_BLOCKS) in one request each; default: the source's `blocks`. */
  blocks: z.boolean().optional(),
});
export type Dlt645DeviceConfig = z.infer<typeof dlt645DeviceSchema>;

export const dlt645SourceSchema = z.object({
  type: z.literal('dlt645'),
  name: idSchema,
  connection: z.discriminatedUnion('transport', [tcpSchema, serialSchema]),
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
  retries: z.number().int().min(0).max(5).default(1),
  pollIntervalMs: z.number().int().min(10).max(3_600_000).default(10_000),
  /** FEH wake-up bytes before each request (DL/T 645-2007 §5.1.2: up to 4; some gateways want none). */
  preamble: z.number().int().min(0).max(4).default(4),
  /**
   * Silence between an answer and the next request, ms. Default serial 20 ms (a meter answers no sooner than
   * 20 ms after a request — DL/T 645-2007 timing as quoted by implementations, medium confidence); TCP 0.
   */
  pacingMs: z.number().int().min(0).max(10_000).optional(),
  /**
   * Read the standard data blocks (02 01 FF 00 voltages, 02 02 FF 00 currents, 02 03 FF 00 active powers) in one
   * request each when a meter's points hold all of a block's items — fewer exchanges per cycle on a slow line.
   * A meter that refuses a block (abnormal answer) is read item by item from then on.
   */
  blocks: z.boolean().default(false),
  reconnect: reconnectSchema,
  devices: z.array(dlt645DeviceSchema).min(1, 'expected at least one meter'),
});
export type Dlt645SourceConfig = z.infer<typeof dlt645SourceSchema>;
