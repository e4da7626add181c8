import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOrThrow, ValidationError } from '@xiang/protocol';
import { parse as parseYaml } from 'yaml';
import { buildCatalog } from '../catalog.js';
import { referenceIssues } from './references.js';
import { type Scenario, scenarioSchema } from './schema.js';

/** Folder of the scenarios shipped with the simulators (hunan-machining.yaml, tiny.yaml, clean.yaml). */
export const SCENARIO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scenarios');

/** Resolves "tiny" / "tiny.yaml" to a shipped scenario; any other string is a file path. */
export function resolveScenarioPath(nameOrPath: string): string {
  if (!nameOrPath.includes('/') && !nameOrPath.includes('\\')) {
    return path.join(SCENARIO_DIR, nameOrPath.endsWith('.yaml') ? nameOrPath : `${nameOrPath}.yaml`);
  }
  return path.resolve(nameOrPath);
}

/** Validates a parsed scenario object: schema first, then cross references; errors name each path. */
export function parseScenario(value: unknown, what = 'scenario'): Scenario {
  const s = parseOrThrow(scenarioSchema, value, what);
  const issues = referenceIssues(s);
  const catalog = buildCatalog(s);
  s.faults.forEach((f, i) => {
    if (f.type === 'badQuality' && catalog.device(f.device) && !catalog.metric(f.device, f.metric)) {
      const keys = catalog.device(f.device)?.metrics.map((m) => m.key) ?? [];
      issues.push(
        `faults[${i}].metric: device "${f.device}" has no metric "${f.metric}" (has ${keys.join(', ')})`,
      );
    }
  });
  if (issues.length > 0) throw new ValidationError(what, issues);
  return s;
}

/** Parses YAML text; YAML syntax errors name the line and column. */
export function parseScenarioYaml(text: string, what = 'scenario'): Scenario {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new ValidationError(what, [`YAML syntax: ${(e as Error).message.split('\n')[0]}`]);
  }
  return parseScenario(doc, what);
}

async function readDoc(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read scenario ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new ValidationError(what, [`YAML syntax: ${(e as Error).message.split('\n')[0]}`]);
  }
}

/**
 * Loads a scenario file. A file may start from another with `extends: <file>` (relative to itself); its own
 * top-level keys replace the base's (e.g. clean.yaml = hunan-machining.yaml with `faults: []`).
 */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const file = resolveScenarioPath(nameOrPath);
  const what = `scenario ${path.basename(file)}`;
  let doc = await readDoc(file, what);
  let dir = path.dirname(file);
  for (let depth = 0; doc && typeof doc === 'object' && 'extends' in doc; depth++) {
    if (depth >= 5) throw new ValidationError(what, ['extends: more than 5 levels of extends']);
    const { extends: base, ...own } = doc as { extends: unknown };
    if (typeof base !== 'string') throw new ValidationError(what, ['extends: expected a file name']);
    const baseFile = path.resolve(dir, base);
    const baseDoc = await readDoc(baseFile, what);
    if (!baseDoc || typeof baseDoc !== 'object')
      throw new ValidationError(what, [`extends: ${base} is not a mapping`]);
    doc = { ...baseDoc, ...own };
    dir = path.dirname(baseFile);
  }
  return parseScenario(doc, what);
}

/** The same plant without injected faults (for a clean, no-finding run). */
export function withoutFaults(s: Scenario): Scenario {
  return { ...s, faults: [] };
}
