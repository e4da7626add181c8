import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { type Service, startInflux, startMosquitto } from './services.js';

// The harness itself: each service really answers, and a binary-backed one survives stop/start on its port.
describe('test harness services', () => {
  const started: Service[] = [];
  afterAll(async () => {
    for (const s of started) await s.dispose();
  });

  it('starts a real mosquitto that accepts TCP and restarts on the same port', async (ctx) => {
    const mq = await startMosquitto();
    if (!mq) return ctx.skip();
    started.push(mq);
    expect(mq.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    if (mq.controllable) {
      await mq.stop();
      const refused = await new Promise<boolean>((r) => {
        const s = net.connect(mq.port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          r(false);
        });
        s.once('error', () => r(true));
      });
      expect(refused).toBe(true);
      await mq.start();
    }
  });

  it('starts a real influxd that answers /ping and a query', async (ctx) => {
    const ix = await startInflux();
    if (!ix) return ctx.skip();
    started.push(ix);
    expect((await fetch(`${ix.url}/ping`)).status).toBe(204);
    const r = await fetch(`${ix.url}/query?q=${encodeURIComponent('SHOW DATABASES')}`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { results: unknown[] }).results).toHaveLength(1);
  });
});
