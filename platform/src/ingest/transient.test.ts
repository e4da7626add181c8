import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTransient, TransientIngestError } from './steps.js';

/** An error as node-postgres / better-sqlite3 / Node's net raise it: a message and a string code. */
const coded = (code: string, message = `failed: ${code}`) => Object.assign(new Error(message), { code });

describe('isTransient: store and connection failures are retried, faults of the message itself are not', () => {
  it('PostgreSQL connection drops and server shutdowns during a group commit are transient', () => {
    for (const code of [
      '57P01',
      '57P02',
      '57P03',
      '08006',
      '08003',
      '08001',
      '08P01',
      '40001',
      '40P01',
      '53300',
      '53100',
      '58030',
    ])
      expect(isTransient(coded(code)), code).toBe(true);
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'])
      expect(isTransient(coded(code)), code).toBe(true);
    // node-postgres reports a lost connection without a code.
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(new Error('Client has encountered a connection error and is not queryable'))).toBe(
      true,
    );
    expect(isTransient(new Error('timeout exceeded when trying to connect'))).toBe(true);
    // Wrapped by a repository or the store: the cause decides.
    expect(isTransient(new Error('commit failed', { cause: coded('57P01') }))).toBe(true);
    expect(isTransient(new Error('a', { cause: new Error('b', { cause: coded('ECONNRESET') }) }))).toBe(true);
  });

  it('SQLite busy/full/I-O errors stay transient', () => {
    for (const code of [
      'SQLITE_BUSY',
      'SQLITE_LOCKED',
      'SQLITE_FULL',
      'SQLITE_IOERR_WRITE',
      'SQLITE_READONLY',
    ])
      expect(isTransient(coded(code)), code).toBe(true);
    expect(isTransient(new TransientIngestError('store down'))).toBe(true);
  });

  it("a statement's own fault (constraint, syntax, bad value) is not transient", () => {
    for (const code of [
      '23505',
      '23503',
      '22P02',
      '42601',
      '42P01',
      'SQLITE_CONSTRAINT_UNIQUE',
      'SQLITE_MISMATCH',
      'ERR_INVALID_ARG_TYPE',
    ])
      expect(isTransient(coded(code)), code).toBe(false);
    for (const e of [
      new Error('Connection terminated unexpectedly!'),
      new Error('bad payload'),
      null,
      undefined,
      'ECONNRESET',
      42,
    ])
      expect(isTransient(e)).toBe(false);
  });

  it('no other SQLSTATE outside classes 08 and 53 and the listed codes is transient (random codes)', () => {
    const sqlstate = fc.stringMatching(/^[0-9A-Z]{5}$/);
    fc.assert(
      fc.property(sqlstate, (code) => {
        const expected =
          /^(08|53)/.test(code) || ['57P01', '57P02', '57P03', '40001', '40P01', '58030'].includes(code);
        expect(isTransient(coded(code))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
