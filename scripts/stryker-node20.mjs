// Runs StrykerJS 10 on Node 20: its CLI (imported by the package's index too) refuses Node < 22 at start-up,
// a guard in stryker-cli.js; the Stryker class itself runs on Node 20, so it is imported by path. Usage: `node scripts/stryker-node20.mjs stryker.rules.conf.mjs [--mutate glob,…]`.
import { pathToFileURL } from 'node:url';

const strykerJs = new URL('../node_modules/@stryker-mutator/core/dist/src/stryker.js', import.meta.url);
const { Stryker } = await import(strykerJs.href);

const [configFile, ...rest] = process.argv.slice(2);
if (!configFile) {
  console.error('usage: node scripts/stryker-node20.mjs <stryker config> [--mutate glob,glob]');
  process.exit(2);
}
const config = (await import(pathToFileURL(configFile).href)).default;
const i = rest.indexOf('--mutate');
const mutate = i >= 0 ? rest[i + 1]?.split(',') : undefined;
const results = await new Stryker({ ...config, ...(mutate ? { mutate } : {}) }).runMutationTest();
console.error(`${results.length} mutants`);
