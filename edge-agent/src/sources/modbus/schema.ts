import { idSchema } from '@xiang/protocol';
import { z } from 'zod';
import { deviceMetaSchema, fileRef, metricMetaSchema, reconnectSchema } from '../../config/parts.js';
import { registerTypes } from './decode.js';
import { MAX_REGISTERS_PER_READ } from './plan.js';

/** The `type: modbus` source: one bus (a TCP connection or a serial port) and the devices on it (./README.md). */

const orderSchema = z.enum(['big', 'little']);
const address = z.number().int().min(0).max(65_535);

/** One value in a register map: where it is, how it is encoded, what it measures. */
export const registerPointSchema = metricMetaSchema.extend({
  /** holding = FC 03 (4xxxx), input = FC 04 (3xxxx). */
  table: z.enum(['holding', 'input']).optional(),
  /** Protocol (PDU) address, 0-based: register 40001 is holding address 0, 30073 is input address 72. */
  address,
  type: z.enum(registerTypes).optional(),
  /** big = most significant register first (ABCD). */
  wordOrder: orderSchema.optional(),
  /** little = bytes swapped within each register. */
  byteOrder: orderSchema.optional(),
  /** engineering value = raw × scale + offset, in `unit`. */
  scale: z.number().finite().default(1),
  offset: z.number().finite().default(0),
});
export type RegisterPoint = z.infer<typeof registerPointSchema>;

const layoutDefaults = z.object({
  table: z.enum(['holding', 'input']).default('holding'),
  type: z.enum(registerTypes).default('uint16'),
  wordOrder: orderSchema.default('big'),
  byteOrder: orderSchema.default('big'),
});

/** A register map file (maps/*.yaml): one device model, with where its addresses come from. */
export const registerMapSchema = z.object({
  model: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected a lower-case model id like "chint-dtsu666"'),
  manufacturer: z.string().min(1),
  product: z.string().min(1),
  /** Where the addresses, types and scales come from (manual title, version, table; or the implementations). */
  source: z.string().min(10),
  /** True only when every point was checked against the manufacturer's manual. */
  checkedAgainstManual: z.boolean(),
  confidence: z.enum(['high', 'medium', 'low']),
  notes: z.string().optional(),
  defaults: layoutDefaults.default({ table: 'holding', type: 'uint16', wordOrder: 'big', byteOrder: 'big' }),
  /** Plausibility ranges `xiang-edge scan modbus` uses to recognise the model (keys of `points`). */
  identify: z
    .array(z.object({ key: z.string(), min: z.number(), max: z.number() }))
    .min(1)
    .optional(),
  points: z.array(registerPointSchema).min(1),
});
export type RegisterMap = z.infer<typeof registerMapSchema>;

const serialSchema = z.object({
  transport: z.literal('rtu'),
  /** Serial device: /dev/ttyUSB0, /dev/ttyS1, a pty. One port belongs to one source (one bus). */
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(9600),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
});
const tcpSchema = z.object({
  /** tcp = Modbus TCP (MBAP header); rtuOverTcp = RTU frames through a transparent serial-to-TCP gateway. */
  transport: z.enum(['tcp', 'rtuOverTcp']),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(502),
});

const pollSchema = z.object({
  /** Wait for one answer before the request counts as failed. */
  timeoutMs: z.number().int().min(10).max(60_000).optional(),
  /** Further attempts of a failed request; each goes back in line behind the other devices of the bus. */
  retries: z.number().int().min(0).max(5).optional(),
  pollIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
  maxRegistersPerRead: z.number().int().min(1).max(MAX_REGISTERS_PER_READ).optional(),
  /** Unmapped registers a read may span to join two points (0 = only contiguous points). */
  maxGap: z.number().int().min(0).max(MAX_REGISTERS_PER_READ).optional(),
});

export const modbusDeviceSchema = deviceMetaSchema.extend(pollSchema.shape).extend({
  deviceId: idSchema,
  /** Slave / unit id (1..247 on a serial bus; 0..255 through TCP). */
  unit: z.number().int().min(0).max(255),
  /** A shipped register map (sources/modbus/maps/<model>.yaml) … */
  model: z.string().optional(),
  /** … or a map file of your own (relative to the config file). */
  mapFile: fileRef.optional(),
  /** Only these keys of the map (default: all). */
  only: z.array(z.string()).optional(),
  /** Points given inline (added to the map's, or alone). */
  points: z.array(registerPointSchema).optional(),
});
export type ModbusDeviceConfig = z.infer<typeof modbusDeviceSchema>;

export const modbusSourceSchema = z.object({
  type: z.literal('modbus'),
  name: idSchema,
  connection: z.discriminatedUnion('transport', [tcpSchema, serialSchema]),
  /** Defaults for every device of the bus. */
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
  retries: z.number().int().min(0).max(5).default(1),
  pollIntervalMs: z.number().int().min(10).max(3_600_000).default(5000),
  maxRegistersPerRead: z.number().int().min(1).max(MAX_REGISTERS_PER_READ).default(MAX_REGISTERS_PER_READ),
  maxGap: z.number().int().min(0).max(MAX_REGISTERS_PER_READ).default(0),
  /**
   * Silence between two requests on the bus, ms. Default: RTU 3.5 character times at the baud rate
   * (Modbus over Serial Line V1.02 §2.5.1.1, at least 2 ms); TCP 0.
   */
  pacingMs: z.number().int().min(0).max(10_000).optional(),
  reconnect: reconnectSchema,
  devices: z.array(modbusDeviceSchema).min(1, 'expected at least one device'),
});
export type ModbusSourceConfig = z.infer<typeof modbusSourceSchema>;
