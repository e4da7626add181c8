import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBirth } from '../../../tests/platform/fixtures.js';
import { main } from '../cli.js';
import { openPlatformDb } from '../registry/db.js';
import { Registry } from '../registry/registry.js';

/** `xiang factory` over a real platform data directory (issue 8: factories are an admin's decision). */
let dir: string;
let config: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-cli-factory-'));
  config = path.join(dir, 'platform.yaml');
  await writeFile(config, `dataDir: ${path.join(dir, 'data')}\n`);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['factory', ...args, '--config', config], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('xiang factory', () => {
  it('creates a factory once, lists it, assigns a device; bad usage exits 2', async () => {
    expect(await run('create', 'F1', '--name', '一厂')).toMatchObject({ code: 0 });
    expect(await run('create', 'F1')).toMatchObject({
      code: 1,
      err: expect.stringMatching(/exists already/),
    });
    expect((await run('list')).out).toBe('F1\t一厂');
    const db = openPlatformDb(path.join(dir, 'data', 'platform.db'));
    new Registry(db).applyBirth('F1', 'A1', fixtureBirth('session-0001'));
    db.close();
    expect(await run('assign', 'F1', 'M1', 'A2')).toMatchObject({ code: 0 });
    expect(await run('assign', 'F1', 'NOPE', 'A2')).toMatchObject({ code: 1 });
    const check = openPlatformDb(path.join(dir, 'data', 'platform.db'));
    expect(new Registry(check).device('F1', 'M1')?.agentId).toBe('A2');
    check.close();
    expect((await run('create', 'bad id')).code).toBe(2);
    expect((await run('remove', 'F1')).code).toBe(2);
  });

  it('registers an agent of an existing factory (idempotent); an unknown factory exits 1', async () => {
    expect(await run('create', 'F2')).toMatchObject({ code: 0 });
    expect(await run('agent', 'F2', 'edge-01')).toMatchObject({
      code: 0,
      out: expect.stringMatching(/registered/),
    });
    expect(await run('agent', 'F2', 'edge-01')).toMatchObject({
      code: 0,
      out: expect.stringMatching(/known already/),
    });
    expect(await run('agent', 'F404', 'edge-01')).toMatchObject({
      code: 1,
      err: expect.stringMatching(/does not exist/),
    });
    expect((await run('agent', 'F2')).code).toBe(2);
    const db = openPlatformDb(path.join(dir, 'data', 'platform.db'));
    expect(new Registry(db).ownership.hasAgent('F2', 'edge-01')).toBe(true);
    db.close();
  });
});
