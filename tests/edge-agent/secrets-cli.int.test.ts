import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { tempDataDir } from './helpers/agent-config.js';
import { startTestOpcuaServer, type TestOpcuaServer } from './helpers/opcua-server.js';

/** Secrets on the agent's CLI: `check --strict` on a password over securityMode None, browse --user. */
const BIN = path.resolve(import.meta.dirname, '../../edge-agent/bin/xiang-edge.js');

function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const { XIANG_OPCUA_PASSWORD: _drop, ...base } = process.env;
    const p = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    // A bound, not a synchronisation: loading node-opcua on a loaded 2-core machine can take 20 s.
    const t = setTimeout(() => p.kill('SIGKILL'), 150_000);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

const agentYaml = (user: object, extra: object = {}) =>
  stringify({
    factoryId: 'F1',
    agentId: 'edge-1',
    dataDir: './data',
    uplink: { url: 'mqtt://127.0.0.1:1' },
    sources: [
      {
        type: 'opcua',
        name: 'plc1',
        endpoint: 'opc.tcp://127.0.0.1:1',
        user,
        ...extra,
        nodes: [{ deviceId: 'M1', key: 'activePower', nodeId: 'ns=2;s=M1.p', quantity: 'activePower' }],
      },
    ],
  });

describe('xiang-edge check: secrets and security warnings', () => {
  it('--strict fails on a password over OPC UA securityMode None, before trying any endpoint', async () => {
    const dir = tempDataDir();
    const file = path.join(dir, 'agent.yaml');
    writeFileSync(file, agentYaml({ type: 'username', username: 'operator', password: '${PLC_PW}' }));
    const r = await cli(['check', '--strict', '--config', file], dir, { PLC_PW: 'pw' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /SECURITY WARNING .*sources\[0\]\.securityMode: user "operator" logs in with a password over securityMode None/,
    );
    expect(r.stderr).toMatch(/check --strict: 1 security warning/);
    expect(r.stderr).not.toMatch(/checking/);
  });

  it('names the path of a secret whose variable is not set', async () => {
    const dir = tempDataDir();
    const file = path.join(dir, 'agent.yaml');
    writeFileSync(file, agentYaml({ type: 'username', username: 'operator', password: '${PLC_PW_UNSET}' }));
    const r = await cli(['check', '--config', file], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sources[0].user.password: environment variable PLC_PW_UNSET is not set');
  });
});

describe('xiang-edge browse --user: no password on the command line', () => {
  let server: TestOpcuaServer | null = null;
  afterAll(async () => server?.dispose());

  it('takes the password from env or --password-file, writes only a reference into the skeleton, refuses user:password', async () => {
    server = await startTestOpcuaServer({
      variables: [{ deviceId: 'M1', key: 'activePower', unit: ['KWT', 'kW', 'kilowatt'] }],
      users: { operator: 'plc-s3cret-42' }, // anonymous refused: a skeleton proves the password was used
      secure: true,
    });
    const dir = tempDataDir();
    const out = path.join(dir, 'skeleton.yaml');
    const browse = ['browse', server.endpoint, '--depth', '4', '--out', out, '--security', 'SignAndEncrypt'];
    browse.push('--trust-on-first-use', '--pki', path.join(dir, 'pki'));
    const refused = await cli([...browse, '--user', 'operator:plc-s3cret-42'], dir);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--user takes the user name only/);

    const viaEnv = await cli([...browse, '--user', 'operator'], dir, {
      XIANG_OPCUA_PASSWORD: 'plc-s3cret-42',
    });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    const skeleton = readFileSync(out, 'utf8');
    expect(skeleton).not.toContain('plc-s3cret-42');
    expect(skeleton).toContain('password: ${XIANG_OPCUA_PASSWORD}');

    const pwFile = path.join(dir, 'plc.password');
    writeFileSync(pwFile, 'plc-s3cret-42\n', { mode: 0o600 });
    const viaFile = await cli([...browse, '--user', 'operator', '--password-file', pwFile], dir);
    expect(viaFile.code, viaFile.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain(`password: file:${pwFile}`);
  });
});
