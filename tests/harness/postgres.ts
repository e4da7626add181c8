import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from './ports.js';
import { spawnDaemon } from './process.js';
import { DaemonService, dockerAvailable, ExternalService, missing, type Service } from './services.js';

/**
 * PostgreSQL for repository and scale-out tests, resolved like the other services: XIANG_TEST_POSTGRES_URL →
 * Debian's server binaries (/usr/lib/postgresql/<v>/bin: `initdb` + `postgres` on a free loopback port, data and
 * socket in a temp dir) → testcontainers → loud skip (a failure on CI). PostgreSQL refuses to run as root and
 * CI runs as root: then initdb and postgres run as the package's unprivileged `postgres` user, on a directory
 * chowned to it. Stopped by pid (SIGTERM = smart shutdown, then SIGKILL), never by name.
 */
export async function startPostgres(opts: { tls?: boolean } = {}): Promise<Service | null> {
  const envUrl = process.env.XIANG_TEST_POSTGRES_URL;
  if (envUrl && !opts.tls)
    return new ExternalService('postgres', 'env', envUrl, Number(new URL(envUrl).port || 5432));
  const bin = postgresBinDir();
  if (bin) {
    const as = unprivilegedUser();
    if (process.geteuid?.() === 0 && !as)
      return missing('postgres', 'running as root and no unprivileged "postgres" user to run the server as');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-pg-'));
    const data = path.join(dir, 'data');
    if (as) {
      chownSync(dir, as.uid, as.gid);
      chmodSync(dir, 0o700);
    }
    execFileSync(
      path.join(bin, 'initdb'),
      ['-D', data, '-U', 'xiang', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { stdio: 'pipe', ...(as ?? {}), timeout: 120_000 },
    );
    const port = await freePort();
    let url = `postgres://xiang@127.0.0.1:${port}/postgres`;
    const args = ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
    if (opts.tls) {
      const tls = selfSignedTls(dir, as);
      args.push(...tls.args);
      url += `?sslmode=verify-full&sslrootcert=${encodeURIComponent(tls.caFile)}`;
    }
    const svc = new DaemonService(
      'postgres',
      url,
      port,
      dir,
      () => spawnDaemon(path.join(bin, 'postgres'), args, process.env, as ?? undefined),
      async () => {
        await waitFor(
          async () => {
            const c = new pg.Client({ connectionString: url });
            try {
              await c.connect();
              await c.query('SELECT 1');
              return true;
            } catch {
              return false;
            } finally {
              await c.end().catch(() => {});
            }
          },
          `postgres on ${url}`,
          60_000,
          100,
        );
      },
    );
    await svc.start();
    return svc;
  }
  if (opts.tls) return missing('postgres', 'a TLS server needs the local PostgreSQL binaries');
  if (dockerAvailable()) return await postgresContainer();
  return missing(
    'postgres',
    'no XIANG_TEST_POSTGRES_URL, no /usr/lib/postgresql/*/bin/postgres, no Docker engine',
  );
}

/**
 * TLS only (a connection without it is refused, by pg_hba): a CA made here with openssl signs the server's
 * certificate for 127.0.0.1; clients verify it with `sslmode=verify-full&sslrootcert=<ca.pem>` in the URL.
 */
function selfSignedTls(
  dir: string,
  as: { uid: number; gid: number } | null,
): { args: string[]; caFile: string } {
  const f = (n: string) => path.join(dir, n);
  const ssl = (...a: string[]) => execFileSync('openssl', a, { stdio: 'pipe', timeout: 60_000 });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=xiang test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  );
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('san.ext'),
    '-out',
    f('server.pem'),
  );
  writeFileSync(
    f('pg_hba.conf'),
    'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n',
  );
  for (const n of ['server.key', 'server.pem', 'pg_hba.conf']) {
    if (as) chownSync(f(n), as.uid, as.gid);
    chmodSync(f(n), 0o600);
  }
  const args = [
    '-c',
    'ssl=on',
    '-c',
    `ssl_cert_file=${f('server.pem')}`,
    '-c',
    `ssl_key_file=${f('server.key')}`,
  ];
  return { args: [...args, '-c', `hba_file=${f('pg_hba.conf')}`], caFile: f('ca.pem') };
}

/** A new, empty database on the server (one per test), as a URL. */
export async function freshDatabase(serverUrl: string, prefix = 'xiang_test'): Promise<string> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

function postgresBinDir(): string | null {
  const env = process.env.XIANG_TEST_POSTGRES_BIN;
  if (env) return env;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/** When root: the uid/gid of the `postgres` system user (Debian's package creates it). */
function unprivilegedUser(): { uid: number; gid: number } | null {
  if (process.geteuid?.() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && uid > 0 ? { uid, gid } : null;
  } catch {
    return null;
  }
}

async function postgresContainer(): Promise<Service | null> {
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const c = await new GenericContainer('postgres:15')
      .withEnvironment({ POSTGRES_USER: 'xiang', POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
      .start();
    const port = c.getMappedPort(5432);
    return new ExternalService(
      'postgres',
      'container',
      `postgres://xiang@127.0.0.1:${port}/postgres`,
      port,
      async () => {
        await c.stop();
      },
    );
  } catch (e) {
    return missing('postgres', `Docker engine present but the container failed: ${String(e)}`);
  }
}
