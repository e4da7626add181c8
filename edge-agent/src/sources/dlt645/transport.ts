import net from 'node:net';
import { SerialPort } from 'serialport';
import { type Frame, parseFrame } from './frame.js';
import type { Dlt645SourceConfig } from './schema.js';

type Conn = Dlt645SourceConfig['connection'];

export function describeConnection(c: Conn): string {
  return c.transport === 'serial'
    ? `serial ${c.path} ${c.baudRate} ${c.dataBits}${c.parity[0]!.toUpperCase()}${c.stopBits}`
    : `tcp ${c.host}:${c.port}`;
}

/** Errors of one exchange; quality.ts turns them into a StatusCode and a counter. */
export class Dlt645Error extends Error {
  constructor(
    readonly kind: 'timeout' | 'checksum' | 'abnormal' | 'notConnected' | 'frame',
    message: string,
    /** The meter's error byte (ERR) of an abnormal answer. */
    readonly errorByte?: number,
  ) {
    super(message);
  }
}

/**
 * One DL/T 645 line: a serial port or a TCP connection to a transparent gateway, one exchange at a time (the bus
 * scheduler serialises them). Received bytes are split into frames by `parseFrame`; a frame is taken as the
 * answer only when `accept` says so (the master's own echo, answers from another meter and late answers of an
 * abandoned request are dropped). A frame with a wrong checksum fails the pending exchange.
 */
export interface Dlt645Link {
  open(): Promise<void>;
  exchange(request: Uint8Array, accept: (f: Frame) => boolean, timeoutMs: number): Promise<Frame>;
  discardPending(): void;
  close(): Promise<void>;
  onClose(fn: () => void): void;
}

type Pending = {
  accept: (f: Frame) => boolean;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
};

/** Bytes kept while waiting for the rest of a frame: a frame is at most 4 + 12 + 255 bytes. */
const MAX_BUFFER = 1024;

export class StreamLink implements Dlt645Link {
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  private tcp: net.Socket | null = null;
  private serial: SerialPort | null = null;
  private readonly closeHandlers: Array<() => void> = [];
  /** Frames dropped because they answered nothing pending (late answers, echoes, other meters). */
  unexpected = 0;

  constructor(
    private readonly conn: Conn,
    private readonly connectTimeoutMs = 5000,
  ) {}

  onClose(fn: () => void): void {
    this.closeHandlers.push(fn);
  }

  async open(): Promise<void> {
    this.buf = Buffer.alloc(0);
    const c = this.conn;
    if (c.transport === 'tcp') {
      const sock = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: c.host, port: c.port });
        const timer = setTimeout(() => {
          s.destroy();
          reject(new Error(`connect timed out after ${this.connectTimeoutMs} ms`));
        }, this.connectTimeoutMs);
        s.once('connect', () => {
          clearTimeout(timer);
          resolve(s);
        });
        s.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      sock.setNoDelay(true);
      sock.on('data', (d) => this.onData(d));
      sock.on('error', () => {}); // followed by 'close'
      // Only a connection still in use reports its end (close() drops it first).
      sock.on('close', () => this.tcp === sock && this.closed());
      this.tcp = sock;
      return;
    }
    const port = new SerialPort({
      path: c.path,
      baudRate: c.baudRate,
      parity: c.parity,
      dataBits: c.dataBits,
      stopBits: c.stopBits,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.on('data', (d: Buffer) => this.onData(d));
    port.on('error', () => {});
    port.on('close', () => this.serial === port && this.closed());
    this.serial = port;
  }

  private closed(): void {
    this.tcp = null;
    this.serial = null;
    this.fail(new Dlt645Error('notConnected', 'connection closed'));
    for (const h of this.closeHandlers) h();
  }

  private fail(e: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(e);
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    if (this.buf.length > MAX_BUFFER) this.buf = this.buf.subarray(this.buf.length - MAX_BUFFER);
    for (let guard = 0; guard < 64 && this.buf.length > 0; guard++) {
      const r = parseFrame(this.buf);
      if ('need' in r) return;
      this.buf = this.buf.subarray(r.consumed);
      if ('bad' in r) {
        // A checksum error is a whole frame gone bad on the line; other noise is skipped silently.
        if (r.bad === 'checksum error') this.fail(new Dlt645Error('checksum', 'checksum error'));
        continue;
      }
      const p = this.pending;
      if (p?.accept(r.frame)) {
        this.pending = null;
        clearTimeout(p.timer);
        p.resolve(r.frame);
      } else if (r.frame.control & 0x80) this.unexpected++;
    }
  }

  exchange(request: Uint8Array, accept: (f: Frame) => boolean, timeoutMs: number): Promise<Frame> {
    if (this.pending) return Promise.reject(new Error('an exchange is already pending'));
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new Dlt645Error('timeout', `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending = { accept, resolve, reject, timer };
      if (this.tcp?.writable) this.tcp.write(request);
      else if (this.serial?.isOpen) this.serial.write(Buffer.from(request));
      else this.fail(new Dlt645Error('notConnected', 'not open'));
    });
  }

  discardPending(): void {
    this.buf = Buffer.alloc(0);
  }

  async close(): Promise<void> {
    this.fail(new Dlt645Error('notConnected', 'closed'));
    const t = this.tcp;
    const s = this.serial;
    this.tcp = null;
    this.serial = null;
    if (t) {
      await new Promise<void>((resolve) => {
        t.once('close', () => resolve());
        t.destroy();
      });
    }
    if (s?.isOpen) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
