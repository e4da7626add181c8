import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ValidationError } from '@xiang/protocol';
import { startAgent } from './agent.js';
import { browseToConfig } from './browse/browse.js';
import { checkAll, formatTable } from './check.js';
import { loadConfigFile } from './config/load.js';

const USAGE = `xiang-edge — 湘智边缘代理 / xiang-iiot edge agent

  xiang-edge run --config <file>        运行代理 / run the agent
  xiang-edge check --config <file>      校验配置并测试每个端点 / validate and try every endpoint
  xiang-edge browse <opc.tcp://…> [--depth N (10)] [--out file] [--security None|Sign|SignAndEncrypt]
                    [--policy Basic256Sha256|…] [--user user:password] [--pki dir] [--trust-on-first-use]
                                        浏览地址空间并生成配置骨架 / walk the address space, write a config skeleton
  xiang-edge <command> --help           one command's options and examples

Examples:
  npx xiang-edge browse opc.tcp://127.0.0.1:4840 --out agent.yaml
  npx xiang-edge check --config edge-agent/examples/simulator.yaml
  npx xiang-edge run --config edge-agent/examples/simulator.yaml
`;

/** \`xiang-edge <command> --help\`: what the command does, its options, examples. */
const HELP: Record<string, string> = {
  run: `xiang-edge run --config <file>

运行代理：读取配置中的每个数据源，经 MQTT（xiang/v1）上送平台，断线时本地缓存、恢复后补发。
Runs the agent: reads every source of the config, forwards readings to the platform over MQTT (xiang/v1) with
store-and-forward. Stops cleanly on Ctrl-C / SIGTERM (also when started through npx).

Examples:
  npx xiang-edge run --config edge-agent/examples/simulator.yaml
  npx xiang-edge run -c /etc/xiang/agent.yaml
`,
  check: `xiang-edge check --config <file>

校验配置并逐个连接端点：配置错误逐行指出位置，每个数据源给出连通结果；全部通过时退出码为 0。
Validates the config (each problem with its path) and tries every endpoint; exit 0 only when all answer.

Examples:
  npx xiang-edge check --config edge-agent/examples/simulator.yaml
`,
  browse: `xiang-edge browse <opc.tcp://…> [--depth N (10)] [--out file] [--security None|Sign|SignAndEncrypt]
                  [--policy Basic256Sha256|…] [--user user:password] [--pki dir] [--trust-on-first-use]

浏览 OPC UA 地址空间并生成配置骨架（设备、测点、单位）。
Walks an OPC UA server's address space and writes a config skeleton (devices, metrics, units) to --out or stdout.

Examples:
  npx xiang-edge browse opc.tcp://127.0.0.1:4840 --out agent.yaml
  npx xiang-edge browse opc.tcp://plc:4840 --security SignAndEncrypt --user operator:secret --trust-on-first-use --out agent.yaml
`,
};

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      depth: { type: 'string' },
      out: { type: 'string', short: 'o' },
      security: { type: 'string' },
      policy: { type: 'string' },
      user: { type: 'string' },
      pki: { type: 'string' },
      'trust-on-first-use': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function fail(msg: string, code = 2): never {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

function load(file: string | undefined) {
  if (!file) fail(`--config <file> is required\n\n${USAGE}`);
  try {
    return loadConfigFile(file);
  } catch (e) {
    if (e instanceof ValidationError) fail(`配置无效 / ${e.message}`);
    fail(`cannot read config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP[rest[0] ?? ''] ?? USAGE);
    process.exit(cmd === undefined ? 2 : 0);
  }
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(rest);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('. ')[0];
    const usage = HELP[cmd]?.split('\n')[0] ?? `xiang-edge ${cmd} …`;
    fail(`xiang-edge ${cmd}: ${msg}\nusage: ${usage}   (xiang-edge ${cmd} --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP[cmd] ?? USAGE);
    return;
  }

  if (cmd === 'run') {
    const cfg = load(values.config);
    const agent = await startAgent(cfg);
    process.stderr.write(`xiang-edge running; health ${agent.healthUrl ?? '(disabled)'}\n`);
    let stopping = false;
    const stop = async (sig: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`${sig}: stopping…\n`);
      await agent.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    return;
  }
  if (cmd === 'check') {
    const cfg = load(values.config);
    process.stderr.write(`config ${values.config}: valid (${cfg.sources.length} sources)\n`);
    const results = await checkAll(cfg, (m) => process.stderr.write(`checking ${m}…\n`));
    process.stdout.write(`${formatTable(results)}\n`);
    process.exit(results.every((r) => r.ok) ? 0 : 1);
  }
  if (cmd === 'browse') {
    const endpoint = positionals[0];
    if (!endpoint) fail(`browse needs an endpoint\n\n${USAGE}`);
    const depth = values.depth ? Number(values.depth) : 10;
    if (!Number.isInteger(depth) || depth < 1 || depth > 20) fail('--depth expects an integer 1..20');
    const yamlText = await browseToConfig({
      endpoint,
      depth,
      security: values.security,
      policy: values.policy,
      user: values.user,
      pkiDir: values.pki,
      trustOnFirstUse: values['trust-on-first-use'] ?? false,
      progress: (m) => process.stderr.write(`${m}\n`),
    });
    if (values.out) {
      writeFileSync(values.out, yamlText);
      process.stderr.write(`wrote ${values.out}\n`);
    } else process.stdout.write(yamlText);
    process.exit(0);
  }
  fail(`unknown command "${cmd}"\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e) =>
  fail(`xiang-edge: ${e instanceof Error ? e.message : String(e)}`, 1),
);
