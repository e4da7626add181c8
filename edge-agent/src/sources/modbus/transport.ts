import modbusSerial from 'modbus-serial';
import type { Table } from './plan.js';
import type { ModbusSourceConfig } from './schema.js';

/**
 * One bus through modbus-serial: Modbus TCP, RTU frames through a transparent TCP gateway, or RTU on a serial
 * port. One request at a time (the bus scheduler serialises them); `read` resolves with the raw register bytes.
 */
export interface ModbusTransport {
  open(): Promise<void>;
  read(unit: number, table: Table, start: number, count: number, timeoutMs: number): Promise<Uint8Array>;
  /** After a timeout or a corrupt frame: forget bytes still buffered, so a late answer can't pass for the next. */
  discardPending(): void;
  close(): Promise<void>;
  readonly isOpen: boolean;
  onClose(fn: () => void): void;
}

type Conn = ModbusSourceConfig['connection'];
/** modbus-serial is CommonJS; its `default` is the client class (index.js sets module.exports.default). */
const ModbusRTU = modbusSerial.default;

export function describeConnection(c: Conn): string {
  return c.transport === 'rtu'
    ? `rtu ${c.path} ${c.baudRate} ${c.dataBits}${c.parity[0]!.toUpperCase()}${c.stopBits}`
    : `${c.transport} ${c.host}:${c.port}`;
}

export class SerialModbusTransport implements ModbusTransport {
  private client: InstanceType<typeof ModbusRTU> = new ModbusRTU();
  private closeHandlers: Array<() => void> = [];

  constructor(
    private readonly conn: Conn,
    private readonly connectTimeoutMs = 5000,
  ) {}

  get isOpen(): boolean {
    return this.client.isOpen;
  }

  onClose(fn: () => void): void {
    this.closeHandlers.push(fn);
  }

  async open(): Promise<void> {
    this.client = new ModbusRTU();
    const c = this.conn;
    let connecting: Promise<void>;
    if (c.transport === 'rtu') {
      connecting = this.client.connectRTUBuffered(c.path, {
        baudRate: c.baudRate,
        parity: c.parity,
        dataBits: c.dataBits,
        stopBits: c.stopBits,
      });
    } else if (c.transport === 'tcp') {
      connecting = this.client.connectTCP(c.host, { port: c.port });
    } else {
      // RTU frames, CRC included, on a raw TCP stream: modbus-serial's "telnet" port. (Its connectTcpRTUBuffered
      // sends MBAP frames, i.e. Modbus TCP, despite the name.)
      connecting = this.client.connectTelnet(c.host, { port: c.port });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`connect timed out after ${this.connectTimeoutMs} ms`)),
            this.connectTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    this.client.on('close', () => {
      for (const h of this.closeHandlers) h();
    });
    this.client.on('error', () => {}); // surfaced through the pending read and 'close'
  }

  async read(
    unit: number,
    table: Table,
    start: number,
    count: number,
    timeoutMs: number,
  ): Promise<Uint8Array> {
    this.client.setID(unit);
    this.client.setTimeout(timeoutMs);
    const r =
      table === 'holding'
        ? await this.client.readHoldingRegisters(start, count)
        : await this.client.readInputRegisters(start, count);
    return new Uint8Array(r.buffer.buffer, r.buffer.byteOffset, r.buffer.byteLength);
  }

  discardPending(): void {
    // modbus-serial's buffered RTU ports keep received bytes in `_buffer` (ports/rtubufferedport.js,
    // tcprtubufferedport.js) and match the next answer by unit id and function code only: a late answer to a
    // timed-out request for the same unit could pass for the next one. Clear it (TCP matches transaction ids).
    const port = (this.client as unknown as { _port?: { _buffer?: Buffer } })._port;
    if (port && Buffer.isBuffer(port._buffer)) port._buffer = Buffer.alloc(0);
  }

  async close(): Promise<void> {
    const c = this.client;
    if (!c.isOpen) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      c.close(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
