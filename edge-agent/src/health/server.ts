import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type HealthHandlers = { status: () => unknown; metrics: () => string; healthy: () => boolean };

/** Loopback HTTP endpoint: /status (JSON), /metrics (Prometheus text), /healthz. */
export async function startHealthServer(
  host: string,
  port: number,
  h: HealthHandlers,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    try {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') {
        res.writeHead(405).end();
      } else if (url === '/status' || url === '/') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(h.status()));
      } else if (url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(h.metrics());
      } else if (url === '/healthz') {
        const ok = h.healthy();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      }
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(
              `health endpoint ${host}:${port} is already in use (another agent?): set health.port to a free port, 0 for any, or health.enabled: false`,
            )
          : e,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${hostPart}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
