import { describe, expect, it } from 'vitest';
import { serialColumns, translate } from './dialect.js';

// Expected PostgreSQL text written out by hand for each construct the repositories use.
describe('SQLite → PostgreSQL dialect', () => {
  it('numbers positional parameters and quotes camelCase names, not literals', () => {
    expect(
      translate("SELECT factoryId, 'agentId ?' AS x FROM devices WHERE id = ? AND agentId = ?", ['a', 'b']),
    ).toEqual({
      text: `SELECT "factoryId", 'agentId ?' AS x FROM devices WHERE id = $1 AND "agentId" = $2`,
      values: ['a', 'b'],
    });
  });

  it('binds named parameters once each, whatever their order of use', () => {
    expect(translate('UPDATE t SET a = @now, b = @now WHERE k = @key', [{ key: 'k1', now: 5 }])).toEqual({
      text: 'UPDATE t SET a = $1, b = $1 WHERE k = $2',
      values: [5, 'k1'],
    });
    expect(() => translate('SELECT @missing', [{ other: 1 }])).toThrow(/missing named parameter @missing/);
    expect(() => translate('SELECT ?', [])).toThrow(/too few/);
    expect(() => translate('SELECT ?', [1, 2])).toThrow(/too many/);
    expect(() => translate('SELECT ?', [true])).toThrow(/booleans/);
  });

  it('maps DDL types, and serial keys', () => {
    const ddl = `CREATE TABLE IF NOT EXISTS dl (id INTEGER PRIMARY KEY AUTOINCREMENT, atMs INTEGER NOT NULL,
      v REAL, payload BLOB, note TEXT DEFAULT 'INTEGER')`;
    expect(
      translate(ddl).text,
    ).toBe(`CREATE TABLE IF NOT EXISTS dl (id BIGSERIAL PRIMARY KEY, "atMs" BIGINT NOT NULL,
      v DOUBLE PRECISION, payload BYTEA, note TEXT DEFAULT 'INTEGER')`);
    expect([...serialColumns(ddl)]).toEqual([['dl', 'id']]);
    expect(translate('ALTER TABLE s ADD COLUMN highestSeq INTEGER NOT NULL DEFAULT -1').text).toBe(
      'ALTER TABLE s ADD COLUMN IF NOT EXISTS "highestSeq" BIGINT NOT NULL DEFAULT -1',
    );
  });

  it('scalar MAX/MIN become GREATEST/LEAST; aggregates stay', () => {
    expect(translate('SELECT MAX(COALESCE(a, 0), ?), MIN(b), max(c) FROM t', [1]).text).toBe(
      'SELECT GREATEST(COALESCE(a, 0), $1), MIN(b), max(c) FROM t',
    );
  });

  it('INSERT OR IGNORE, json_extract, rowid and PRAGMA table_info', () => {
    expect(translate('INSERT OR IGNORE INTO t (a) VALUES (?)', [1]).text).toBe(
      'INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING',
    );
    expect(translate("SELECT json_extract(m.def, '$.datatype') AS d FROM m").text).toBe(
      "SELECT ((m.def)::jsonb ->> 'datatype') AS d FROM m",
    );
    expect(translate('SELECT 1 FROM s ORDER BY lastAtMs DESC, rowid DESC').text).toBe(
      'SELECT 1 FROM s ORDER BY "lastAtMs" DESC, ctid DESC',
    );
    expect(translate('PRAGMA table_info(ingest_sessions)')).toMatchObject({ values: ['ingest_sessions'] });
    expect(() => translate('INSERT OR REPLACE INTO t VALUES (1)')).toThrow(/no faithful/);
  });
});
