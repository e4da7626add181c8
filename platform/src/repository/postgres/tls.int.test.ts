import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, startPostgres } from '../../../../tests/harness/postgres.js';
import { openPostgresRepository } from './index.js';

/**
 * TLS to the PostgreSQL repository, configured in its URL as libpq does (`sslmode`, `sslrootcert`): against a
 * server that refuses connections without TLS and presents a certificate from a CA made for the test.
 */
const server = await startPostgres({ tls: true }); // null = loudly skipped (never on CI: it throws)
afterAll(async () => {
  await server?.dispose();
});

describe.skipIf(!server)('PostgreSQL repository over TLS', () => {
  it('verify-full with the CA connects encrypted; without TLS or with another CA it is refused', async () => {
    const url = await freshDatabase(server!.url);
    const repo = openPostgresRepository({ url });
    try {
      expect(repo.where).not.toContain('sslrootcert'); // logs: host and database only
      const r = repo.db.prepare('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()').get();
      expect(r).toEqual({ ssl: true });
    } finally {
      repo.close();
    }
    const plain = new URL(url);
    plain.search = '';
    expect(() => openPostgresRepository({ url: plain.toString() })).toThrow(/no encryption|pg_hba/);
    const wrongCa = new URL(url);
    wrongCa.searchParams.set('sslrootcert', '/etc/ssl/certs/ca-certificates.crt');
    expect(() => openPostgresRepository({ url: wrongCa.toString() })).toThrow(/certificate/);
  });
});
