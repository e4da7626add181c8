import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  type ClientSession,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  type UserIdentityInfo,
  UserTokenType,
} from 'node-opcua';
import type { OpcuaSourceConfig, UserIdentityConfig } from './schema.js';

export type ClientOptions = {
  endpoint: string;
  securityMode: OpcuaSourceConfig['securityMode'];
  securityPolicy: OpcuaSourceConfig['securityPolicy'];
  user: UserIdentityConfig;
  pkiDir: string;
  trustOnFirstUse: boolean;
  initialDelayMs?: number;
  maxDelayMs?: number;
};

/**
 * The agent's PKI: own certificate created on first use and kept (<pki>/own/certs/client_certificate.pem),
 * trusted/ and rejected/ folders. An unknown server certificate lands in rejected/ unless trustOnFirstUse.
 */
export function certificateManager(pkiDir: string, trustOnFirstUse: boolean): OPCUACertificateManager {
  return new OPCUACertificateManager({
    rootFolder: pkiDir,
    automaticallyAcceptUnknownCertificate: trustOnFirstUse,
  });
}

export function createClient(o: ClientOptions): OPCUAClient {
  return OPCUAClient.create({
    applicationName: 'xiang-edge',
    // The URI must stay the same across restarts so the server keeps recognising the agent's certificate.
    applicationUri: 'urn:xiang-iiot:edge-agent',
    endpointMustExist: false,
    securityMode: MessageSecurityMode[o.securityMode],
    securityPolicy: SecurityPolicy[o.securityPolicy],
    clientCertificateManager: certificateManager(o.pkiDir, o.trustOnFirstUse),
    keepSessionAlive: true,
    requestedSessionTimeout: 60_000,
    // maxRetry 1 keeps node-opcua's automatic reconnection on (it needs maxRetry ≠ 0) while the first connect
    // fails fast and is retried by the source's own bounded backoff, which reports each failure.
    connectionStrategy: {
      initialDelay: o.initialDelayMs ?? 1000,
      maxDelay: o.maxDelayMs ?? 30_000,
      maxRetry: 1,
    },
  });
}

export function userIdentity(u: UserIdentityConfig): UserIdentityInfo {
  if (u.type === 'username')
    return { type: UserTokenType.UserName, userName: u.username, password: u.password };
  if (u.type === 'certificate') {
    const pem = readFileSync(u.certFile, 'utf8');
    const b64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    return {
      type: UserTokenType.Certificate,
      certificateData: Buffer.from(b64, 'base64'),
      privateKey: readFileSync(u.keyFile, 'utf8'),
    } as UserIdentityInfo;
  }
  return { type: UserTokenType.Anonymous };
}

function listRejected(pkiDir: string): string[] {
  try {
    return readdirSync(path.join(pkiDir, 'rejected')).filter((f) => f.endsWith('.pem') || f.endsWith('.der'));
  } catch {
    return [];
  }
}

function newestRejected(pkiDir: string): string | undefined {
  const dir = path.join(pkiDir, 'rejected');
  return listRejected(pkiDir)
    .map((f) => ({ f, t: statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t)[0]?.f;
}

/** Turns node-opcua's connect errors into a message that says what to do. */
export function explainConnectError(e: unknown, o: ClientOptions, rejectedBefore: string[]): string {
  const msg = e instanceof Error ? e.message : String(e);
  const fresh = listRejected(o.pkiDir).filter((f) => !rejectedBefore.includes(f));
  if (
    fresh.length > 0 ||
    /untrusted|BadCertificateUntrusted|certificate.*(rejected|not trusted)/i.test(msg)
  ) {
    const newest = fresh[0] ?? newestRejected(o.pkiDir);
    const saved = newest
      ? `saved as ${path.join(o.pkiDir, 'rejected', newest)}`
      : `see ${path.join(o.pkiDir, 'rejected')}`;
    return `server certificate of ${o.endpoint} is not trusted (${saved}); move it to ${path.join(o.pkiDir, 'trusted', 'certs')} to trust it, or set pki.trustOnFirstUse: true`;
  }
  if (/BadIdentityTokenRejected|BadUserAccessDenied|BadIdentityTokenInvalid/i.test(msg)) {
    return `server ${o.endpoint} refused the user identity (${o.user.type}): ${firstLine(msg)}`;
  }
  if (/ECONNREFUSED/.test(msg)) return `connection refused by ${o.endpoint} (server not running?)`;
  if (/endpoint.*(not found|does not exist)|BadSecurityPolicyRejected|BadSecurityModeRejected/i.test(msg)) {
    return `server ${o.endpoint} offers no endpoint with ${o.securityMode}/${o.securityPolicy}: ${firstLine(msg)}`;
  }
  return firstLine(msg);
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? s).trim().slice(0, 300);
}

export type Connected = { client: OPCUAClient; session: ClientSession };

/** Connects once (no retry loop) and opens a session; on failure closes what was opened and throws a clear error. */
export async function connectOnce(o: ClientOptions): Promise<Connected> {
  const rejectedBefore = listRejected(o.pkiDir);
  const client = createClient(o);
  try {
    await client.connect(o.endpoint);
    const session = await client.createSession(userIdentity(o.user));
    return { client, session };
  } catch (e) {
    await client.disconnect().catch(() => {});
    throw new Error(explainConnectError(e, o, rejectedBefore));
  }
}
