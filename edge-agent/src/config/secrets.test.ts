import { ValidationError } from '@xiang/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from './load.js';
import { resolveSecrets, type SecretSources } from './secrets.js';
import { securityWarnings } from './warnings.js';

const config = (
  over: { uplink?: object; user?: object; securityMode?: string; securityPolicy?: string } = {},
) =>
  stringify({
    factoryId: 'F1',
    agentId: 'edge-1',
    dataDir: './data',
    uplink: { url: 'mqtts://broker.plant:8883', ...over.uplink },
    sources: [
      {
        type: 'opcua',
        name: 'plc1',
        endpoint: 'opc.tcp://plc:4840',
        ...(over.securityMode
          ? { securityMode: over.securityMode, securityPolicy: over.securityPolicy }
          : {}),
        ...(over.user ? { user: over.user } : {}),
        nodes: [{ deviceId: 'M1', key: 'activePower', nodeId: 'ns=2;s=M1.p', quantity: 'activePower' }],
      },
    ],
  });

const files: Record<string, string> = { '/run/secrets/uplink': 'pw-from-file\n', '/etc/xiang/opc': 'opc-pw' };
const sources = (env: Record<string, string> = {}): SecretSources => ({
  env,
  baseDir: '/etc/xiang',
  readFile: (p) => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return t;
  },
});
const issuesOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.issues;
    throw e;
  }
  throw new Error('expected a ValidationError');
};

describe('agent config secrets: ${ENV} and file: in every secret field', () => {
  it('resolves uplink username/password, TLS key passphrase and OPC UA user password', () => {
    const text = config({
      uplink: {
        username: '${UP_USER}',
        password: 'file:/run/secrets/uplink',
        tls: { caFile: 'ca.crt', passphrase: '${KEY_PASS}' },
      },
      user: { type: 'username', username: 'operator', password: 'file:opc' },
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
    });
    const cfg = parseConfigText(
      text,
      '/etc/xiang',
      'agent.yaml',
      sources({ UP_USER: 'F1.edge-1', KEY_PASS: 'kp' }),
    );
    expect(cfg.uplink.username).toBe('F1.edge-1');
    expect(cfg.uplink.password).toBe('pw-from-file'); // one trailing newline removed
    expect(cfg.uplink.tls?.passphrase).toBe('kp');
    const src = cfg.sources[0];
    expect(src?.type === 'opcua' && src.user).toEqual({
      type: 'username',
      username: 'operator',
      password: 'opc-pw',
    });
  });

  it('names the config path of a missing variable or file', () => {
    const text = config({
      uplink: { username: 'u', password: '${NOPE}' },
      user: { type: 'username', username: 'operator', password: 'file:/missing/pw' },
    });
    expect(issuesOf(() => parseConfigText(text, '/etc/xiang', 'agent.yaml', sources()))).toEqual([
      'uplink.password: environment variable NOPE is not set',
      'sources[0].user.password: cannot read secret file /missing/pw (ENOENT)',
    ]);
  });

  it('leaves other fields and plain secrets alone; $${ writes a literal ${', () => {
    const { value } = resolveSecrets(
      { name: '${NOT_A_SECRET}', password: 'a$${B}c', nested: [{ username: 'plain' }] },
      sources({ B: 'x' }),
    );
    expect(value).toEqual({ name: '${NOT_A_SECRET}', password: 'a${B}c', nested: [{ username: 'plain' }] });
  });

  it('property: ${VAR} yields exactly the variable, whatever it holds; text without ${ or file: is unchanged', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (secret, plain) => {
        const env = { S: secret };
        expect(resolveSecrets({ password: 'x${S}y' }, sources(env)).value).toEqual({
          password: `x${secret}y`,
        });
        fc.pre(!plain.includes('${') && !plain.startsWith('file:'));
        expect(resolveSecrets({ password: plain }, sources(env)).value).toEqual({ password: plain });
      }),
    );
  });
});

describe('security warnings', () => {
  it('warns about an OPC UA password over securityMode None, not over SignAndEncrypt or anonymous', () => {
    const none = parseConfigText(
      config({ user: { type: 'username', username: 'operator', password: 'pw' } }),
      '/etc/xiang',
      'a.yaml',
      sources(),
    );
    const w = securityWarnings(none);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(
      /^sources\[0\]\.securityMode: user "operator" logs in with a password over securityMode None/,
    );
    const secure = parseConfigText(
      config({
        user: { type: 'username', username: 'operator', password: 'pw' },
        securityMode: 'SignAndEncrypt',
        securityPolicy: 'Basic256Sha256',
      }),
      '/etc/xiang',
      'a.yaml',
      sources(),
    );
    expect(securityWarnings(secure)).toEqual([]);
    expect(securityWarnings(parseConfigText(config(), '/etc/xiang', 'a.yaml', sources()))).toEqual([]);
  });

  it('warns about an uplink password over plain MQTT to another host, not to loopback or over mqtts', () => {
    const at = (url: string) =>
      securityWarnings(
        parseConfigText(config({ uplink: { url, username: 'u', password: 'p' } }), '/x', 'a.yaml', sources()),
      );
    expect(at('mqtt://broker.plant:1883')[0]).toMatch(
      /^uplink\.url: the password of "u" goes to broker\.plant/,
    );
    expect(at('mqtt://127.0.0.1:1883')).toEqual([]);
    expect(at('mqtts://broker.plant:8883')).toEqual([]);
  });
});
