#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's ESM loader (no build step).
import { register } from 'tsx/esm/api';

register();
// Started through npx, a SIGTERM to npm would leave this process behind: follow the parent instead.
const { exitWithParent } = await import('@xiang/protocol/exit-with-parent');
exitWithParent();
await import('../src/cli.ts');
