import type { StoredPoint } from '../types.js';
import { pointLineAfter, pointLinePrefix } from './line-protocol.js';

/** A series' line start, as text (for the general path) and as UTF-8 bytes (copied per point). */
export type LinePrefix = { text: string; bytes: Buffer };

export function linePrefix(tags: string): LinePrefix {
  const text = pointLinePrefix(tags);
  return { text, bytes: Buffer.from(text, 'utf8') };
}

const VALUE_FIELDS = 'k=1i,s=';
const VALUE_FIELD = 'i,v=';
/** Bytes one fast-path line needs besides its prefix: fields, three numbers (≤ 25 characters each), separators. */
const LINE_RESERVE = 128;

/**
 * The line-protocol body of a write built straight into one Buffer — the same bytes as
 * `Buffer.from(points.map((p) => pointLine(p)).join('\n'), 'utf8')` (property test
 * `line-buffer.property.test.ts`). The ingest profile showed building one string per point, joining them and
 * converting the joined text to bytes twice (SQLite journal, HTTP body) as a fifth of the InfluxDB store's
 * busy time: here the series prefix is copied as bytes, numbers are written as ASCII, a timestamp shared by
 * consecutive points (one scan of a gateway) is formatted once, and the body goes to the journal and to
 * InfluxDB as these bytes. A point with text (or without a value) takes pointLineAfter and is appended as UTF-8.
 */
export class LineBuffer {
  private buf: Buffer;
  private len = 0;
  /** Lines appended so far. */
  lines = 0;
  private lastTs = Number.NaN;
  private tsText = '';

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** ASCII text (numbers, field names) byte by byte: cheaper than a native write for a few characters. */
  private ascii(s: string): void {
    const b = this.buf;
    let o = this.len;
    for (let j = 0; j < s.length; j++) b[o++] = s.charCodeAt(j);
    this.len = o;
  }

  add(prefix: LinePrefix, p: StoredPoint): void {
    if (p.value === null || (p.text !== undefined && p.text !== null)) {
      const line = Buffer.from(pointLineAfter(prefix.text, p), 'utf8');
      this.reserve(line.length + 1);
      if (this.lines > 0) this.buf[this.len++] = 0x0a;
      this.len += line.copy(this.buf, this.len);
      this.lines++;
      return;
    }
    const pre = prefix.bytes;
    this.reserve(pre.length + LINE_RESERVE);
    const b = this.buf;
    if (this.lines > 0) b[this.len++] = 0x0a;
    let o = this.len;
    for (let j = 0; j < pre.length; j++) b[o++] = pre[j] as number;
    this.len = o;
    this.ascii(VALUE_FIELDS);
    this.ascii(String(p.status));
    this.ascii(VALUE_FIELD);
    this.ascii(String(p.value));
    if (p.tsMs !== this.lastTs) {
      this.lastTs = p.tsMs;
      this.tsText = ` ${p.tsMs}`;
    }
    this.ascii(this.tsText);
    this.lines++;
  }

  /** The body so far (a copy the size of the content; the builder can be dropped). */
  bytes(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}
