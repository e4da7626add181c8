import { Backoff } from '../../uplink/backoff.js';
import { Status, statusText } from '../status-codes.js';
import type { SourceContext } from '../types.js';

/**
 * The connection of a field-bus source (Modbus, DL/T 645): open with back-off, mark every device and point
 * BadNotConnected when the line is lost, reconnect, stop. The bus scheduler asks `up` before each request.
 */
export class FieldbusConnection {
  up = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;

  constructor(
    private readonly o: {
      /** Source name, for logs. */
      name: string;
      /** "DL/T 645", "Modbus": for log messages. */
      protocol: string;
      /** The connection as people read it ("tcp 10.0.0.20:502"). */
      describe: string;
      ctx: SourceContext;
      deviceIds: string[];
      reconnect: { initialDelayMs: number; maxDelayMs: number };
      open(): Promise<void>;
      close(): Promise<void>;
      /** Called once connected (starts the bus scheduler; repeated calls must be harmless). */
      onUp(): void;
    },
  ) {
    this.backoff = new Backoff(o.reconnect.initialDelayMs, o.reconnect.maxDelayMs);
  }

  lost(reason: string): void {
    if (!this.up) return;
    const { ctx } = this.o;
    this.up = false;
    ctx.stats.connected = false;
    ctx.stats.lastError = reason;
    ctx.stats.lastErrorAt = Date.now();
    ctx.sink.deviceStatus(this.o.deviceIds, false, `${this.o.describe}: ${reason}`);
    for (const st of Object.values(ctx.stats.nodes ?? {})) st.status = statusText(Status.BadNotConnected);
    ctx.log.warn({ source: this.o.name, reason }, `${this.o.protocol} connection lost; reconnecting`);
    this.scheduleConnect();
  }

  private scheduleConnect(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.backoff.next());
  }

  async connect(): Promise<void> {
    if (this.stopped) return;
    const { ctx } = this.o;
    try {
      await this.o.close().catch(() => {});
      await this.o.open();
      if (this.stopped) {
        await this.o.close();
        return;
      }
      if (ctx.stats.lastError) ctx.stats.reconnections++;
      this.up = true;
      ctx.stats.connected = true;
      this.backoff.reset();
      this.o.onUp();
    } catch (e) {
      const msg = `${this.o.describe}: ${e instanceof Error ? e.message : String(e)}`;
      ctx.stats.lastError = msg;
      ctx.stats.lastErrorAt = Date.now();
      ctx.sink.deviceStatus(this.o.deviceIds, false, msg);
      ctx.log.warn({ source: this.o.name, err: msg }, `${this.o.protocol} connect failed`);
      this.scheduleConnect();
    }
  }

  /** Stops reconnecting; `stopBus` runs before the connection closes. */
  async stop(stopBus: () => Promise<void>): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.up = false;
    await stopBus();
    await this.o.close();
    this.o.ctx.stats.connected = false;
  }
}
