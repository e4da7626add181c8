import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadScenario, runBackfill, scenarioRegistrySettings } from '@xiang/simulators';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import { announceServer, cliAccess } from '../../platform/src/commands/data-dir-lock.js';
import { factoryProfileSchema } from '../../platform/src/registry/model.js';
import { launch, REPO, waitForOutput } from '../e2e/processes.js';
import { waitFor } from '../harness/ports.js';
import { PlatformHarness } from './platform-harness.js';

/**
 * Issue 11 item 5: `xiang diagnose` beside a serving platform failed with `database is locked` in 4 of 7 runs
 * right after a large backfill — two processes writing one SQLite store. Now one process writes: the CLI runs
 * its work inside the serving platform (found through <dataDir>/run), and with no platform it locks the
 * directory, which a starting platform waits for. Here real `xiang` CLI processes run while a backfill is
 * being ingested, and a platform starts while a CLI holds the lock.
 */
const h = new PlatformHarness();
afterAll(async () => h.dispose());

const xiang = (dataDir: string, ...args: string[]) => {
  const p = launch(process.execPath, [path.join(REPO, 'platform/bin/xiang.js'), ...args], {
    XIANG_DATA_DIR: dataDir,
    XIANG_ADMIN_TOKEN: h.adminToken,
  });
  return p.exited.then((code) => ({ code, out: p.output() }));
};

describe('one writer per data directory', () => {
  it('xiang diagnose and grade during a backfill run inside the serving platform, every run succeeds', {
    timeout: 900_000,
  }, async () => {
    const broker = await startEmbeddedBroker();
    const dataDir = await h.tempDir('xiang-one-writer-');
    const lease = await announceServer(dataDir, () => {});
    const p = await h.start(broker.url, dataDir, { mqtt: { protocolVersion: 4 } });
    lease.publish(p.url);
    const scenario = await loadScenario('tiny');
    p.registry.putFactory(factoryProfileSchema.parse(scenarioRegistrySettings(scenario).profile));
    await waitFor(() => p.ingest.ready(), 'platform subscribed');

    const backfill = runBackfill({
      scenario,
      brokerUrl: broker.url,
      protocolVersion: 4,
      days: 40,
      agentId: 'history',
      batchPoints: 2000,
    });
    let backfillDone = false;
    void backfill.finally(() => {
      backfillDone = true;
    });
    await waitFor(() => p.ingest.counters.totals().pointsStored > 20_000, 'backfill under way', 120_000);
    const answers = path.join(dataDir, 'answers.yaml');
    await writeFile(
      answers,
      (await readFile(path.join(REPO, 'platform/src/grading/examples/answers.cmmm.yaml'), 'utf8'))
        .replace('factory: F1', 'factory: tiny')
        .replace(/^period: .*$/m, 'period: { from: 2025-03-03, to: 2025-03-09 }'),
    );
    const runs = [];
    for (let i = 0; i < 3 && !backfillDone; i++) {
      runs.push(
        await xiang(
          dataDir,
          'diagnose',
          '--factory',
          'tiny',
          '--from',
          '2025-03-03',
          '--to',
          '2025-03-09',
          '--out',
          path.join(dataDir, `report-${i}.html`),
          '--no-save',
        ),
      );
    }
    runs.push(
      await xiang(
        dataDir,
        'grade',
        '--factory',
        'tiny',
        '--framework',
        'cmmm-2020',
        '--answers',
        answers,
        '--out',
        path.join(dataDir, 'grade.html'),
      ),
    );
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const r of runs) {
      expect(r.out).not.toMatch(/database is locked/);
      expect(r.out).toMatch(/a platform serves .* running there/);
      expect(r.code, r.out.slice(-2000)).toBe(0);
    }
    expect(existsSync(path.join(dataDir, 'report-0.html'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'grade.html'))).toBe(true);
    const result = await backfill;
    expect(result.points).toBeGreaterThan(0);
    await waitFor(
      () => p.ingest.counters.totals().pointsStored === result.points,
      'every backfilled point stored',
      300_000,
      200,
    );
    await p.stop();
    lease.release();
    await broker.close();
  });

  it('with no platform, the CLI locks the directory and a starting platform waits for it', {
    timeout: 300_000,
  }, async () => {
    const dataDir = await h.tempDir('xiang-cli-lock-');
    const said: string[] = [];
    // The CLI side runs in its own process: a lock held by this very process is not "another" holder.
    const cli = launch(process.execPath, [
      '--import',
      'tsx',
      path.join(REPO, 'tests/platform/hold-cli-lock.ts'),
      dataDir,
    ]);
    await waitForOutput(cli, /locked by \d+/, 'the CLI holds the lock');
    let started = false;
    const waiting = announceServer(dataDir, (l) => said.push(l), { pollMs: 20 }).then((lease) => {
      started = true;
      return lease;
    });
    await waitFor(
      () => said.some((l) => /waiting for `xiang diagnose` \(pid \d+\)/.test(l)),
      'server says it waits',
    );
    expect(started).toBe(false);
    const stopped = await cli.signal('SIGTERM');
    expect(stopped.code, cli.output()).toBe(0);
    expect(cli.output()).toMatch(/released/);
    const lease = await waiting;
    // …and a CLI now goes to that server (once it publishes its URL).
    lease.publish('http://127.0.0.1:1');
    const next = await cliAccess(dataDir, 'grade', () => {});
    expect(next.kind).toBe('server');
    lease.release();
    const after = await cliAccess(dataDir, 'grade', () => {});
    expect(after.kind).toBe('locked');
    if (after.kind === 'locked') after.release();
  });
});
