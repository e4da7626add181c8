import net from 'node:net';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import { type BrokerUser, mayPublish, mayRead, maySubscribe, verifyPassword } from './acl.js';
import { type IngestSink, withIngestHandoff } from './ingest-handoff.js';

export type { IngestSink } from './ingest-handoff.js';

/**
 * The embedded MQTT broker `npm start` runs when no external broker is configured (aedes, in-process).
 * aedes speaks MQTT 3.1.1 only (its README lists MQTT 5 as "not supported yet"), so clients of the embedded
 * broker use protocolVersion 4; with Mosquitto or EMQX they use MQTT 5. xiang/v1 needs nothing that 3.1.1 lacks:
 * QoS 1, persistent sessions (clean=false), Will messages.
 *
 * With `users`, every client must log in and is held to its user's ACL (the model of
 * platform/docs/mosquitto-acl.md): an anonymous or wrong-password CONNECT is refused (return code 4/5), a
 * CONNECT whose Will topic the user may not publish is refused, a SUBSCRIBE outside the user's read filters
 * is answered with failure (0x80) and a PUBLISH outside its write filters closes the connection (MQTT 3.1.1
 * has no negative PUBACK, §3.3.5) without delivering the message. Delivery re-checks the reader's ACL.
 *
 * With `ingestClientId` the broker hands what agents publish straight to the platform's ingest in the same
 * process (ingest-handoff.ts): aedes 1.2 sends a QoS 1 PUBACK before it even forwards the message
 * (lib/handlers/publish.js) and keeps sessions in memory, so a PUBACK of a forwarded message promises
 * nothing across a crash. Handed off, the PUBACK goes only once the ingest has made the message durable.
 */
export type EmbeddedBroker = {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
  clients(): number;
  /** Refusals since start, by kind (connect, publish, subscribe) — what a rogue client tried. */
  refusals(): { connect: number; publish: number; subscribe: number };
  /** Starts handing matching publishes to the ingest (needs `ingestClientId`); clients are admitted from now on. */
  attachIngest(sink: IngestSink): void;
  /** Stops handing off: matching publishes are refused (connection closed, no PUBACK) until attached again. */
  detachIngest(): void;
};

export type EmbeddedBrokerOptions = {
  port?: number;
  host?: string;
  /** Users and their ACL; omitted = anonymous access to every topic (tests of the ingest path only). */
  users?: BrokerUser[];
  /** Called once per refusal with what was refused (for the log). */
  onRefusal?: (r: { kind: 'connect' | 'publish' | 'subscribe'; clientId: string; detail: string }) => void;
  /**
   * The client id of the platform's own MQTT client in this process. Set = hand-off mode: until
   * `attachIngest`, every other client is refused at CONNECT (CONNACK 3, server unavailable — it retries),
   * and afterwards what they publish under the ingest's filters is acknowledged only once stored.
   */
  ingestClientId?: string;
};

function authPolicy(
  opts: EmbeddedBrokerOptions,
  refused: Record<'connect' | 'publish' | 'subscribe', number>,
) {
  const users = new Map((opts.users ?? []).map((u) => [u.username, u]));
  const userOf = new WeakMap<Client, BrokerUser>();
  const willOf = new WeakMap<Client, string>();
  const refuse = (kind: 'connect' | 'publish' | 'subscribe', client: Client | null, detail: string) => {
    refused[kind]++;
    opts.onRefusal?.({ kind, clientId: client?.id ?? '', detail });
  };
  const handlers: Pick<
    AedesOptions,
    'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'
  > = {
    preConnect: (client, packet, done) => {
      if (packet.will?.topic) willOf.set(client, packet.will.topic);
      done(null, true);
    },
    authenticate: (client, username, password, done) => {
      const fail = (code: 4 | 5, detail: string) => {
        refuse('connect', client, detail);
        const e = new Error(detail) as AuthenticateError;
        e.returnCode = code;
        done(e, false);
      };
      const user = username === undefined ? undefined : users.get(username);
      if (!user) return fail(username === undefined ? 5 : 4, `unknown user "${username ?? '(anonymous)'}"`);
      verifyPassword(password?.toString('utf8') ?? '', user.passwordHash).then(
        (ok) => {
          if (!ok) return fail(4, `wrong password for "${user.username}"`);
          const will = willOf.get(client);
          if (will !== undefined && !mayPublish(user, will))
            return fail(5, `"${user.username}" may not use the Will topic ${will}`);
          userOf.set(client, user);
          done(null, true);
        },
        () => fail(4, 'password check failed'),
      );
    },
    authorizePublish: (client, packet, done) => {
      // client null = aedes itself publishing a Will it checked at CONNECT.
      if (client === null) return done(null);
      const user = userOf.get(client);
      if (packet.topic.startsWith('$SYS/') || !user || !mayPublish(user, packet.topic)) {
        refuse('publish', client, `"${user?.username ?? '?'}" may not publish to ${packet.topic}`);
        return done(new Error(`not authorised to publish to ${packet.topic}`));
      }
      done(null);
    },
    authorizeSubscribe: (client, sub, done) => {
      const user = userOf.get(client);
      if (!user || !maySubscribe(user, sub.topic)) {
        refuse('subscribe', client, `"${user?.username ?? '?'}" may not subscribe to ${sub.topic}`);
        return done(null, null); // SUBACK 0x80 for this filter
      }
      done(null, sub);
    },
    authorizeForward: (client, packet) => {
      const user = userOf.get(client);
      return user && mayRead(user, packet.topic) ? packet : null;
    },
  };
  return handlers;
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const refused = { connect: 0, publish: 0, subscribe: 0 };
  const auth = opts.users ? authPolicy(opts, refused) : {};
  const handoff = opts.ingestClientId
    ? withIngestHandoff(auth, opts.ingestClientId, (clientId, detail) => {
        refused.connect++;
        opts.onRefusal?.({ kind: 'connect', clientId, detail });
      })
    : null;
  const aedes = await Aedes.createBroker({ id: 'xiang-embedded', ...(handoff?.handlers ?? auth) });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
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
    refusals: () => ({ ...refused }),
    attachIngest: (sink) => {
      if (!handoff) throw new Error('attachIngest needs the broker started with ingestClientId');
      handoff.attach(sink);
    },
    detachIngest: () => handoff?.detach(),
    close: async () => {
      handoff?.detach();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // A client that has not finished its CONNECT (or lingers half-closed) must not hold the port.
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
