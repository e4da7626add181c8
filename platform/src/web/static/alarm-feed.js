// @ts-check
/**
 * Live alarms of one factory over Server-Sent Events. The stream needs the Bearer token, which EventSource
 * cannot send, so it is read with fetch and parsed here (`event:` / `data:` blocks). The feed keeps the active
 * alarms and tells its listeners on every change; it reconnects after a drop (bounded back-off) and stops when
 * closed. One feed per signed-in factory, owned by the shell (badge) and shared by the pages.
 */
import { factoryPath, getToken } from './api.js';

/** @typedef {{ id: number, kind: string, key: string, severity: string, startMs: number, endMs: number | null, ackAtMs: number | null, ackBy: string | null, params: Record<string, any>, summary: string, deviceId: string | null, value: number | null, threshold: number | null, unit: string, lastSeenMs: number, peakValue: number | null, ackNote: string | null, factoryId: string }} Alarm */
/** @typedef {{ active: Alarm[], status: any, connected: boolean, lastEvent: string | null }} FeedState */

/**
 * Splits a text/event-stream buffer into complete events; returns them and the unfinished rest.
 * @param {string} buf
 * @returns {{ events: { event: string, data: string }[], rest: string }}
 */
export function parseSse(buf) {
  const events = [];
  const blocks = buf.split(/\r?\n\r?\n/);
  const rest = blocks.pop() ?? '';
  for (const b of blocks) {
    let event = 'message';
    const data = [];
    for (const line of b.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const k = i < 0 ? line : line.slice(0, i);
      const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (k === 'event') event = v;
      else if (k === 'data') data.push(v);
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

const SEVERITY_RANK = { critical: 3, major: 2, warning: 1, info: 0 };
/** @param {Alarm[]} list */
export function sortAlarms(list) {
  return [...list].sort(
    (a, b) =>
      (SEVERITY_RANK[/** @type {keyof SEVERITY_RANK} */ (b.severity)] ?? 0) -
        (SEVERITY_RANK[/** @type {keyof SEVERITY_RANK} */ (a.severity)] ?? 0) || b.startMs - a.startMs,
  );
}

export class AlarmFeed {
  /** @param {string} factoryId */
  constructor(factoryId) {
    this.factoryId = factoryId;
    /** @type {FeedState} */
    this.state = { active: [], status: null, connected: false, lastEvent: null };
    /** @type {Set<(s: FeedState) => void>} */
    this.listeners = new Set();
    this.controller = new AbortController();
    this.closed = false;
    void this.run();
  }

  /** @param {(s: FeedState) => void} fn */
  subscribe(fn) {
    this.listeners.add(fn);
    fn(this.state);
    return () => this.listeners.delete(fn);
  }

  close() {
    this.closed = true;
    this.controller.abort();
    this.listeners.clear();
  }

  notify() {
    for (const fn of this.listeners) fn(this.state);
  }

  /** @param {string} event @param {any} data */
  apply(event, data) {
    this.state.lastEvent = event;
    if (data?.status) this.state.status = data.status;
    if (event === 'snapshot') this.state.active = sortAlarms(data.active ?? []);
    else if (data?.alarm) {
      const rest = this.state.active.filter((a) => a.id !== data.alarm.id);
      this.state.active = sortAlarms(event === 'cleared' ? rest : [...rest, data.alarm]);
    }
    this.notify();
  }

  async run() {
    let delay = 1000;
    for (let attempt = 0; !this.closed && attempt < 10_000; attempt++) {
      try {
        const token = getToken();
        const res = await fetch(factoryPath(this.factoryId, '/alarms/stream'), {
          headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          signal: this.controller.signal,
        });
        if (!res.ok || !res.body) {
          // 401/403/404: nothing to wait for on this factory with this token.
          if (res.status >= 400 && res.status < 500) return;
          throw new Error(`HTTP ${res.status}`);
        }
        this.state.connected = true;
        delay = 1000;
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          const { events, rest } = parseSse(buf);
          buf = rest;
          for (const e of events) this.apply(e.event, JSON.parse(e.data));
        }
      } catch (e) {
        if (this.closed || /** @type {any} */ (e)?.name === 'AbortError') return;
      }
      this.state.connected = false;
      this.notify();
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
