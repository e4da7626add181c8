import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceServer, type ServerLease } from '../../platform/src/commands/data-dir-lock.js';
import type { RunningPlatform } from '../../platform/src/main.js';
import { factoryProfileSchema } from '../../platform/src/registry/model.js';
import { launch, REPO } from '../e2e/processes.js';
import { findBinary } from '../harness/process.js';
import { PlatformHarness } from './platform-harness.js';

/**
 * Issue 14: `xiang grade` / `xiang diagnose` beside a platform that serves HTTPS (http.tls). The CLI does its
 * work through the serving platform's API (data-command.ts), so it must trust the platform's certificate:
 * `--ca FILE` or NODE_EXTRA_CA_CERTS, and a certificate that does not check out is refused with one line that
 * says why and what to pass (on main: `--ca` was an unknown option, and the refusal read "fetch failed").
 * The CA and the platform certificate are made by openssl in a temp dir (SAN IP:127.0.0.1, the address the
 * platform announces); a second, unrelated CA stands for "the wrong CA file".
 */
const openssl = findBinary('openssl');
const h = new PlatformHarness();
let dir = '';
let p: RunningPlatform | null = null;
let lease: ServerLease | null = null;

function run(args: string[]): void {
  execFileSync(openssl as string, args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(name: string): void {
  run(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    ]),
  );
}

beforeAll(async () => {
  if (!openssl) return;
  dir = await h.tempDir('xiang-cli-https-');
  makeCa('ca');
  makeCa('other-ca');
  run(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key'].concat([
      '-out',
      'server.csr',
    ]),
  );
  const ext = path.join(dir, 'server.ext');
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ${ext}`]);
  run(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      'server.crt',
    ]),
  );
  const dataDir = path.join(dir, 'data');
  lease = await announceServer(dataDir, () => {});
  p = await h.start('mqtt://127.0.0.1:1', dataDir, {
    http: {
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: path.join(dir, 'server.crt'), keyFile: path.join(dir, 'server.key') },
    },
  });
  lease.publish(p.url);
  p.registry.putFactory(factoryProfileSchema.parse({ id: 'F1', name: '测试工厂' }));
}, 120_000);

afterAll(async () => {
  lease?.release();
  await h.dispose();
});

async function grade(
  extraArgs: string[],
  env: Record<string, string> = {},
  dataDir = path.join(dir, 'data'),
) {
  const out = path.join(dir, `grade-${Math.random().toString(36).slice(2)}.html`);
  const c = launch(
    process.execPath,
    [
      path.join(REPO, 'platform/bin/xiang.js'),
      'grade',
      '--factory',
      'F1',
      '--framework',
      'cmmm-2020',
      '--answers',
      path.join(REPO, 'platform/src/grading/examples/answers.cmmm.yaml'),
      '--out',
      out,
      '--no-save',
      ...extraArgs,
    ],
    {
      XIANG_DATA_DIR: dataDir,
      XIANG_ADMIN_TOKEN: h.adminToken,
      NODE_EXTRA_CA_CERTS: '',
      ...env,
    },
  );
  const code = await c.exited;
  return { code, out: c.output(), report: existsSync(out) };
}

const REFUSED =
  /xiang grade: the platform at https:\/\/127\.0\.0\.1:\d+ is not trusted: its TLS certificate is signed by a CA this CLI does not trust \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/;

describe.skipIf(!openssl)('the xiang CLI against a platform serving HTTPS', () => {
  it('serves HTTPS (the CLI has to go through TLS)', () => {
    expect(p?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('without a CA: refused with one line that says why and what to pass, exit 1, no stack', {
    timeout: 120_000,
  }, async () => {
    const r = await grade([]);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(REFUSED);
    expect(r.out).toMatch(/pass --ca <file> .* or set NODE_EXTRA_CA_CERTS=<file>/);
    expect(r.out).not.toMatch(/^\s+at /m);
    expect(r.report).toBe(false);
  });

  it('--ca with the CA that signed it: the command runs in the platform and writes the report', {
    timeout: 180_000,
  }, async () => {
    const r = await grade(['--ca', path.join(dir, 'ca.crt')]);
    expect(r.out).toMatch(/a platform serves .* running there, through https:\/\//);
    expect(r.code, r.out).toBe(0);
    expect(r.report).toBe(true);
  });

  it('NODE_EXTRA_CA_CERTS is honoured without --ca', { timeout: 180_000 }, async () => {
    const r = await grade([], { NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.crt') });
    expect(r.code, r.out).toBe(0);
    expect(r.report).toBe(true);
  });

  it('--ca with another CA: refused, naming the file checked against', { timeout: 120_000 }, async () => {
    const other = path.join(dir, 'other-ca.crt');
    const r = await grade(['--ca', other]);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(REFUSED);
    expect(r.out).toContain(`it was checked against --ca ${other}`);
  });

  it('a platform on plain HTTP (loopback) is reached without a CA, --ca is ignored there', {
    timeout: 180_000,
  }, async () => {
    const dataDir = path.join(dir, 'plain');
    const plainLease = await announceServer(dataDir, () => {});
    const plain = await h.start('mqtt://127.0.0.1:1', dataDir);
    try {
      plainLease.publish(plain.url);
      plain.registry.putFactory(factoryProfileSchema.parse({ id: 'F1', name: '测试工厂' }));
      const r = await grade(['--ca', path.join(dir, 'other-ca.crt')], {}, dataDir);
      expect(r.out).toMatch(/running there, through http:\/\/127\.0\.0\.1/);
      expect(r.code, r.out).toBe(0);
      expect(r.report).toBe(true);
    } finally {
      await plain.stop();
      plainLease.release();
    }
  });

  it('--ca naming no readable certificate is a usage error (exit 2)', { timeout: 120_000 }, async () => {
    const r = await grade(['--ca', path.join(dir, 'nope.crt')]);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/--ca: cannot read .*nope\.crt: ENOENT/);
    const d = launch(process.execPath, [
      path.join(REPO, 'platform/bin/xiang.js'),
      'diagnose',
      '--factory',
      'F1',
      '--from',
      '2024-03-01',
      '--to',
      '2024-03-02',
      '--out',
      path.join(dir, 'd.html'),
      '--ca',
      path.join(dir, 'server.key'),
    ]);
    expect(await d.exited, d.output()).toBe(2);
    expect(d.output()).toMatch(/--ca: .*server\.key holds no PEM certificate/);
  });
});
