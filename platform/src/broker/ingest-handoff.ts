import type { AedesOptions, AuthenticateError, Client, PublishPacket } from 'aedes';
import { stripShare, topicMatches } from './acl.js';

/** The platform's ingest in the broker's process: what it takes, and a way to make a message durable. */
export type IngestSink = {
  /** Topic filters whose messages the ingest handles (the uplink, and any other protocol route). */
  filters: readonly string[];
  /** Resolves once the message is durable (stored, or dead-lettered and counted); rejects when it is not. */
  handle(topic: string, payload: Buffer): Promise<void>;
};

type Handlers = Pick<
  AedesOptions,
  'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'
>;

/**
 * Hand-off of agent messages from aedes to the ingest in the same process, acknowledged only once durable.
 *
 * Why: aedes 1.2 writes the PUBACK of a QoS 1 PUBLISH before it forwards the message to anyone
 * (lib/handlers/publish.js) and keeps sessions and queues in memory, so a message it acknowledged but had
 * not yet delivered to the platform's subscription — or delivered before that subscription existed — was
 * lost on a restart (tests/soak, seed 1000). The one hook aedes runs before the PUBACK is
 * `authorizePublish`; there the message goes to `sink.handle`, and `done()` (which lets aedes write the
 * PUBACK and forward the message) is called only once it resolved. A failure calls `done(err)`: MQTT 3.1.1
 * has no negative PUBACK, so aedes closes the connection and the agent sends the message again (it keeps it
 * queued until a PUBACK). The platform's own subscription no longer receives the handed-off messages (one
 * path, processed once); its commands to agents go through aedes as before.
 *
 * Until a sink is attached (the platform is still opening its stores), every client but the platform's own
 * is refused at CONNECT with return code 3 (server unavailable), and a matching PUBLISH is refused.
 */
export function withIngestHandoff(
  auth: Partial<Handlers>,
  ingestClientId: string,
  onRefusedConnect: (clientId: string, detail: string) => void,
): { handlers: Handlers; attach(sink: IngestSink): void; detach(): void } {
  let sink: IngestSink | null = null;
  // Payloads handed off (aedes' forwarded copies keep the same Buffer): not forwarded to the ingest again.
  const handed = new WeakSet<object>();
  const handedOff = (topic: string, s: IngestSink | null) =>
    s?.filters.some((f) => topicMatches(stripShare(f), topic)) === true;
  const fromAgent = (client: Client | null) => client?.id !== ingestClientId;

  const handlers: Handlers = {
    preConnect: auth.preConnect ?? ((_c, _p, done) => done(null, true)),
    authenticate: (client, username, password, done) => {
      if (!sink && client.id !== ingestClientId) {
        const detail = 'the platform ingest is not ready yet';
        onRefusedConnect(client.id, detail);
        const e = new Error(detail) as AuthenticateError;
        e.returnCode = 3;
        return done(e, false);
      }
      if (auth.authenticate) return auth.authenticate(client, username, password, done);
      done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      const next = (err?: Error | null) => {
        if (err) return done(err);
        if (!fromAgent(client) || !matchesAny(packet.topic)) return done(null);
        handOff(packet, done);
      };
      if (auth.authorizePublish) return auth.authorizePublish(client, packet, next);
      if (packet.topic.startsWith('$SYS/')) return done(new Error('$SYS/ topics are reserved'));
      next(null);
    },
    authorizeSubscribe: auth.authorizeSubscribe ?? ((_c, sub, done) => done(null, sub)),
    authorizeForward: (client, packet) => {
      const p = auth.authorizeForward ? auth.authorizeForward(client, packet) : packet;
      if (!p || client.id !== ingestClientId) return p;
      // Handed off already: the ingest must not get it a second time through its subscription.
      return typeof packet.payload === 'object' && handed.has(packet.payload) ? null : p;
    },
  };

  function matchesAny(topic: string): boolean {
    // Before a sink exists nothing is handed off — and nothing may be acknowledged: refuse below.
    return sink === null || handedOff(topic, sink);
  }

  function handOff(packet: PublishPacket, done: (err?: Error | null) => void): void {
    const s = sink;
    if (!s) {
      done(new Error('the platform ingest is not ready: message not acknowledged'));
      return;
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    s.handle(packet.topic, payload).then(
      () => {
        handed.add(packet.payload as object);
        done(null);
      },
      (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
    );
  }

  return {
    handlers,
    attach: (s) => {
      sink = s;
    },
    detach: () => {
      sink = null;
    },
  };
}
