#!/usr/bin/env node
// `xiang` — the platform CLI. Runs the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
// Started through npx, a SIGTERM to npm would leave this process behind: follow the parent instead.
const { exitWithParent } = await import('@xiang/protocol/exit-with-parent');
exitWithParent();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
