import net from 'node:net';
import { Aedes } from 'aedes';

/**
 * The embedded MQTT broker `npm start` runs when no external broker is configured (aedes, in-process).
 * aedes speaks MQTT 3.1.1 only (its README lists MQTT 5 as "not supported yet"), so clients of the embedded
 * broker use protocolVersion 4; with Mosquitto or EMQX they use MQTT 5. xiang/v1 needs nothing that 3.1.1 lacks:
 * QoS 1, persistent sessions (clean=false), Will messages.
 */
export type EmbeddedBroker = {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
  clients(): number;
};

export async function startEmbeddedBroker(
  opts: { port?: number; host?: string } = {},
): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const aedes = await Aedes.createBroker({ id: 'xiang-embedded' });
  const server = net.createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('embedded broker has no address');
  const port = address.port;
  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    host,
    clients: () => aedes.connectedClients,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
