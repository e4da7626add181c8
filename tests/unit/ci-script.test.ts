import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `.ci/run` runs as root on a shared host: it may only stop processes it started itself (by pid). Killing by
 * name (`pkill mosquitto`) would take down every broker on the machine, including ones other jobs own.
 */
const script = readFileSync(path.resolve(import.meta.dirname, '../../.ci/run'), 'utf8');
const code = script
  .split('\n')
  .map((l) => l.replace(/(^|\s)#.*$/, ''))
  .join('\n');

describe('.ci/run', () => {
  it('never kills processes by name', () => {
    expect(code).not.toMatch(/\b(pkill|killall)\b/);
    expect(code).not.toMatch(/\bkill\s+[^$\d-]/);
  });

  it('runs exactly the README test command after installing the services the tests need', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toMatch(/^npm test\b/m);
    expect(code.trim().split('\n').at(-1)).toBe('npm test');
    for (const pkg of ['mosquitto', 'influxdb', 'chromium', 'postgresql', 'fonts-noto-cjk', 'poppler-utils'])
      expect(code).toContain(pkg);
  });
});
