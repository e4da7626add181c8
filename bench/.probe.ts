import { EmbeddedStore } from '../platform/src/store/embedded/embedded-store.js';
import type { StoredPoint } from '../platform/src/store/types.js';
const store = new EmbeddedStore({ file: '/tmp/xb/probe.sqlite', rollupRefreshMs: 0 });
await store.init();
const T0 = Date.UTC(2024, 0, 1);
const N = 1_000_000, S = 200;
const chunk: StoredPoint[] = [];
let t = performance.now(); let sum = 0;
for (let i = 0; i < N; i++) {
  const s = i % S; const tick = Math.floor(i / S);
  chunk.push({ factoryId: 'F1', deviceId: `meter-${s}`, metric: 'energyImport', tsMs: T0 + tick * 900_000, value: tick * 2.5 + s, status: 0 });
  if (chunk.length === 10_000) { const a = performance.now(); await store.write(chunk); sum += performance.now() - a; chunk.length = 0; }
}
console.log('write pts/s', Math.round(N / sum * 1000), 'incl gen', Math.round(N / (performance.now() - t) * 1000));
t = performance.now(); await store.flush(); console.log('flush s', ((performance.now() - t) / 1000).toFixed(1));
t = performance.now();
const series = Array.from({ length: S }, (_, s) => ({ factoryId: 'F1', deviceId: `meter-${s}`, metric: 'energyImport' }));
const r = await store.counterIncrease({ series, fromMs: T0, toMs: T0 + 52 * 86400000, intervalMs: 3600000 });
console.log('query ms', (performance.now() - t).toFixed(0), r[0]?.intervals[5]);
await store.close();
