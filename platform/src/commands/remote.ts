import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

/**
 * How the CLI talks to a serving platform (data-command.ts): plain HTTP on loopback, or HTTPS when the platform
 * serves TLS (http.tls). The platform's certificate is checked against the system roots plus
 * NODE_EXTRA_CA_CERTS (Node reads it at start), or against `--ca FILE` alone — the local CA of
 * deploy/setup.ts is no public one. A certificate that does not check out is refused with a line saying why
 * and what to pass; the request is never retried without verification.
 */
export type RemoteTls = { caFile?: string | undefined };

/** Reads --ca: a usage error (exit 2) when the file cannot be read or holds no PEM certificate. */
export function readCaFile(file: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (e) {
    throw new Error(
      `--ca: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`--ca: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return pem;
}

/** OpenSSL / Node codes of a certificate the client does not accept, with what each means. */
const UNTRUSTED: Record<string, string> = {
  SELF_SIGNED_CERT_IN_CHAIN: 'is signed by a CA this CLI does not trust',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed and not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is signed by a CA this CLI does not trust',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is signed by a CA this CLI does not trust',
  UNABLE_TO_GET_ISSUER_CERT: 'is signed by a CA this CLI does not trust',
  CERT_UNTRUSTED: 'is not trusted',
  CERT_SIGNATURE_FAILURE: 'does not carry a valid signature of the given CA',
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'does not name the address the CLI connected to',
};

export class UntrustedPlatformError extends Error {
  override name = 'UntrustedPlatformError';
}

function untrusted(url: string, e: NodeJS.ErrnoException, tls: RemoteTls): Error {
  const why = e.code ? UNTRUSTED[e.code] : undefined;
  if (!why) return e;
  const hint = tls.caFile
    ? `it was checked against --ca ${tls.caFile}: pass the CA certificate that signed the platform's`
    : "pass --ca <file> with the CA certificate that signed the platform's (docker compose: " +
      'deploy/secrets/ca.crt) or set NODE_EXTRA_CA_CERTS=<file>';
  return new UntrustedPlatformError(
    `the platform at ${url} is not trusted: its TLS certificate ${why} (${e.code}); ${hint}`,
  );
}

export type RemoteAnswer = { status: number; body: AsyncIterable<Buffer>; text(): Promise<string> };

/** POSTs JSON to the serving platform; resolves with the streamed answer. */
export function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  tls: RemoteTls,
): Promise<RemoteAnswer> {
  const target = new URL(url);
  const data = Buffer.from(JSON.stringify(body));
  const options: https.RequestOptions = {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(data.length) },
  };
  if (target.protocol === 'https:' && tls.caFile) options.ca = readCaFile(tls.caFile);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(target, options, (res) => {
      resolve({
        status: res.statusCode ?? 0,
        body: res,
        text: async () => {
          const parts: Buffer[] = [];
          for await (const c of res) parts.push(c as Buffer);
          return Buffer.concat(parts).toString('utf8');
        },
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(untrusted(target.origin, e, tls)));
    req.end(data);
  });
}
