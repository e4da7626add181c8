import { connect } from 'mqtt';
import type { BrokerConfig } from './config/parts.js';
import { brokerOptions } from './mqtt-options.js';
import type { CheckResult } from './sources/types.js';

/** Connects to a broker with the given credentials and disconnects (a separate client id, so a running agent is untouched). */
export async function checkBroker(
  target: string,
  broker: BrokerConfig,
  clientId: string,
  timeoutMs = 8000,
): Promise<CheckResult> {
  const opts = {
    ...brokerOptions(broker, clientId),
    clientId,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
  };
  return await new Promise<CheckResult>((resolve) => {
    const c = connect(broker.url, opts);
    const done = (r: CheckResult) => {
      clearTimeout(t);
      c.end(true);
      resolve(r);
    };
    const t = setTimeout(
      () => done({ target, ok: false, detail: `no CONNACK within ${timeoutMs} ms` }),
      timeoutMs,
    );
    c.once('connect', () => done({ target, ok: true, detail: 'connected' }));
    c.once('error', (e) => done({ target, ok: false, detail: e.message }));
    c.once('close', () =>
      done({ target, ok: false, detail: 'connection closed by the broker (unreachable or refused)' }),
    );
  });
}
