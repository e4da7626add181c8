import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { openPlatformDb } from '../registry/db.js';
import { instantOf } from './diagnose.js';

/** `xiang diagnose` argument handling over a real (empty) platform data directory; the full run is e2e. */
let dir: string;
let config: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-cli-diagnose-'));
  config = path.join(dir, 'platform.yaml');
  await writeFile(config, `dataDir: ${path.join(dir, 'data')}\n`);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['diagnose', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('xiang diagnose', () => {
  it('reads local dates at the factory offset, --to inclusive, or ISO date-times', () => {
    expect(instantOf('2025-03-03', 480, false, '--from')).toBe(Date.parse('2025-03-02T16:00:00Z'));
    expect(instantOf('2025-03-16', 480, true, '--to')).toBe(Date.parse('2025-03-16T16:00:00Z'));
    expect(instantOf('2025-03-03T08:00:00+08:00', 480, true, '--to')).toBe(
      Date.parse('2025-03-03T00:00:00Z'),
    );
    expect(() => instantOf('03/03/2025', 480, false, '--from')).toThrow(/--from expects YYYY-MM-DD/);
    // relative local days: at 2025-03-05 01:30 +08:00 (= 03-04 17:30 UTC) "today" is 03-05 in Hunan
    const now = Date.parse('2025-03-04T17:30:00Z');
    expect(instantOf('today', 480, false, '--from', now)).toBe(Date.parse('2025-03-04T16:00:00Z'));
    expect(instantOf('today-3', 480, false, '--from', now)).toBe(Date.parse('2025-03-01T16:00:00Z'));
    expect(instantOf('yesterday', 480, true, '--to', now)).toBe(Date.parse('2025-03-04T16:00:00Z'));
  });

  it('refuses bad usage with exit 2 and says what is wrong', async () => {
    const base = ['--factory', 'F1', '--from', '2025-03-03', '--to', '2025-03-16', '--config', config];
    const missing = await run(...base);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing --out/);
    const lang = await run(...base, '--out', path.join(dir, 'r.html'), '--lang', 'fr');
    expect(lang.code).toBe(2);
    expect(lang.err).toMatch(/--lang must be zh or en/);
    const basis = await run(...base, '--out', path.join(dir, 'r.html'), '--basis', 'calorific');
    expect(basis.err).toMatch(/--basis must be equivalent/);
    const options = path.join(dir, 'options.yaml');
    await writeFile(options, '- not a mapping\n');
    const opts = await run(...base, '--out', path.join(dir, 'r.html'), '--options', options);
    expect(opts.code).toBe(2);
    expect(opts.err).toMatch(/expected a mapping of diagnosis options/);
  });

  it('says how to point at data when the data directory has none, and creates nothing there (exit 1)', async () => {
    const empty = path.join(dir, 'no-data');
    const cfg = path.join(dir, 'empty.yaml');
    await writeFile(cfg, `dataDir: ${empty}\n`);
    const r = await run(
      '--factory',
      'F1',
      '--from',
      '2025-03-03',
      '--to',
      '2025-03-16',
      '--config',
      cfg,
      '--out',
      'x.html',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no platform data in .*no-data .*XIANG_DATA_DIR=.*\.data\/start\/platform/);
    expect(existsSync(empty)).toBe(false);
  });

  it('names the factories the data directory knows when the factory is not there (exit 1)', async () => {
    openPlatformDb(path.join(dir, 'data', 'platform.db')).close();
    const r = await run(
      '--factory',
      'F9',
      '--from',
      '2025-03-03',
      '--to',
      '2025-03-16',
      '--config',
      config,
      '--out',
      path.join(dir, 'r.html'),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/factory "F9" is not in .* \(known: none\)/);
  });
});
