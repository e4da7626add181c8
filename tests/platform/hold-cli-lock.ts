import { cliAccess } from '../../platform/src/commands/data-dir-lock.js';

/**
 * A CLI command's side of the data-directory lock, in its own process (the lock tells processes apart by pid,
 * so the test process cannot play both sides): takes the lock as `xiang diagnose` would, says so, and holds it
 * until SIGTERM, then releases it and exits.
 */
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: hold-cli-lock.ts <dataDir>');
const access = await cliAccess(dataDir, 'diagnose', (l) => console.log(l));
if (access.kind !== 'locked') throw new Error(`expected the lock, got ${access.kind}`);
console.log(`locked by ${process.pid}`);
const keepAlive = setInterval(() => {}, 60_000);
process.once('SIGTERM', () => {
  access.release();
  clearInterval(keepAlive);
  console.log('released');
});
