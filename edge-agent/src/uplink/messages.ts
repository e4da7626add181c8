import os from 'node:os';
import type { Asset, AssetLevel, Birth, DataBatch, Death, Device, PointTuple, Status } from '@xiang/protocol';
import type { KnownMetric } from './metric-table.js';

export const AGENT_VERSION = '0.1.0';

const levels: AssetLevel[] = ['workshop', 'line', 'station', 'station'];

/** The asset tree implied by device asset paths: "WS1/L1/ST3" yields WS1 (workshop), WS1/L1 (line), … */
export function assetsFromPaths(paths: Iterable<string>): Asset[] {
  const seen = new Map<string, Asset>();
  for (const p of paths) {
    if (!p) continue;
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const path = parts.slice(0, i).join('/');
      if (!seen.has(path)) seen.set(path, { path, level: levels[i - 1] ?? 'station' });
    }
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * A birth: `seq` 0 for the first of a session, the session's next seq for a rebirth (it never restarts).
 * `previous`: the session this one supersedes and the highest seq the broker acknowledged in it (the platform
 * then refuses anything of that session above it).
 */
export function buildBirth(
  sessionId: string,
  seq: number,
  known: KnownMetric[],
  current: Map<string, Device>,
  nowMs: number,
  previous?: Birth['previous'],
): Birth {
  // Devices as currently configured win over the copies remembered with old metrics.
  const devices = new Map<string, Device>();
  for (const k of known) devices.set(k.device.id, k.device);
  for (const [id, d] of current) devices.set(id, d);
  return {
    sessionId,
    seq,
    timestamp: nowMs,
    agent: { version: AGENT_VERSION, hostname: os.hostname().slice(0, 128) },
    assets: assetsFromPaths([...devices.values()].map((d) => d.assetPath)),
    devices: [...devices.values()].sort((a, b) => a.id.localeCompare(b.id)),
    metrics: known.map((k) => k.metric),
    ...(previous ? { previous } : {}),
  };
}

export function buildData(
  sessionId: string,
  seq: number,
  historical: boolean,
  points: PointTuple[],
): DataBatch {
  return { sessionId, seq, historical, points };
}

export function buildStatus(
  sessionId: string,
  seq: number,
  nowMs: number,
  devices: Array<{ id: string; online: boolean; reason?: string }>,
): Status {
  return { sessionId, seq, timestamp: nowMs, devices };
}

export function buildDeath(sessionId: string, reason: Death['reason'], nowMs?: number): Death {
  return nowMs === undefined ? { sessionId, reason } : { sessionId, reason, timestamp: nowMs };
}

/** Session ids: time-ordered base36 plus randomness, 8..64 chars as the schema wants. */
export function newSessionId(nowMs = Date.now()): string {
  const rand = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `${nowMs.toString(36)}-${rand}`;
}
