import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ValidationError } from '@xiang/protocol';
import { startAgent } from './agent.js';
import { checkAll, formatTable } from './check.js';
import { loadConfigFile } from './config/load.js';
import { securityWarnings } from './config/warnings.js';
import { skeletonYaml } from './scan.js';
import { sourcePlugins } from './sources/registry.js';

const scanUsage = sourcePlugins
  .filter((p) => p.scan)
  .map((p) => `  xiang-edge scan ${p.type} ${p.scan!.usage.replace(/\n/g, '\n       ')}`)
  .join('\n');

const USAGE = `xiang-edge — 湘智边缘代理 / xiang-iiot edge agent

  xiang-edge run --config <file>        运行代理 / run the agent
  xiang-edge check --config <file> [--strict]  校验配置并测试每个端点 / validate and try every endpoint
  xiang-edge sources                    列出数据源类型 / list the source types
  xiang-edge scan <type> … [--out file] 发现设备并生成配置骨架 / find what answers, write a config skeleton
${scanUsage}
  xiang-edge browse <opc.tcp://…> …     = xiang-edge scan opcua …
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
  check: `xiang-edge check --config <file> [--strict]

校验配置并逐个连接端点：配置错误逐行指出位置，每个数据源给出连通结果；全部通过时退出码为 0。
安全警告（如 OPC UA securityMode None 下使用密码）总会打印；--strict 时有警告即失败。
Validates the config (each problem with its path) and tries every endpoint; exit 0 only when all answer.
Security warnings (a password over OPC UA securityMode None, over MQTT without TLS) are always printed;
with --strict any warning fails the check (exit 1) before an endpoint is tried.

Secrets: write password: \${ENV_VAR} or password: file:/path in the config instead of the password itself.

Examples:
  npx xiang-edge check --config edge-agent/examples/simulator.yaml
  npx xiang-edge check --strict --config /etc/xiang/agent.yaml
`,
  sources: `xiang-edge sources

列出本代理支持的数据源类型（每个类型一个插件：配置、扫描、检查）。
Lists the source types this agent supports (one plugin each: its config, scan and check).
`,
  scan: `xiang-edge scan <type> … [--out file]
${scanUsage}

发现设备并生成配置骨架；不带 --out 时写到标准输出。
Finds what answers on a network or bus and writes a config skeleton (to --out or stdout).
`,
  browse: `xiang-edge browse <opc.tcp://…> [--depth N (10)] [--out file] [--security None|Sign|SignAndEncrypt]
                  [--policy Basic256Sha256|…] [--user name [--password-file f]] [--pki dir] [--trust-on-first-use]

浏览 OPC UA 地址空间并生成配置骨架（设备、测点、单位）。密码不写在命令行上：来自环境变量
XIANG_OPCUA_PASSWORD、--password-file 文件，或在终端提示输入。
Walks an OPC UA server's address space and writes a config skeleton (devices, metrics, units) to --out or stdout.
The password never goes on the command line: it comes from env XIANG_OPCUA_PASSWORD, --password-file, or a
prompt on the terminal; the skeleton refers to it as \${XIANG_OPCUA_PASSWORD}, never contains it.

Examples:
  npx xiang-edge browse opc.tcp://127.0.0.1:4840 --out agent.yaml
  npx xiang-edge browse opc.tcp://plc:4840 --security SignAndEncrypt --user operator --password-file ~/.plc-password --trust-on-first-use --out agent.yaml
`,
};

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      strict: { type: 'boolean' },
    },
  });
}

function fail(msg: string, code = 2): never {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

function load(file: string | undefined) {
  if (!file) fail(`--config <file> is required\n\n${USAGE}`);
  let cfg: ReturnType<typeof loadConfigFile>;
  try {
    cfg = loadConfigFile(file);
  } catch (e) {
    if (e instanceof ValidationError) fail(`配置无效 / ${e.message}`);
    fail(`cannot read config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const warnings = securityWarnings(cfg);
  for (const w of warnings) process.stderr.write(`!!! 安全警告 SECURITY WARNING ${file}: ${w}\n`);
  return { cfg, warnings };
}

async function scan(type: string | undefined, args: string[], command: string): Promise<void> {
  const plugin = sourcePlugins.find((p) => p.type === type);
  if (!plugin?.scan) {
    const known = sourcePlugins.filter((p) => p.scan).map((p) => p.type);
    fail(`scan expects a source type: ${known.join(', ')}\n\n${USAGE}`);
  }
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...plugin.scan.options, out: { type: 'string', short: 'o' } },
  });
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  let yamlText: string;
  try {
    yamlText = skeletonYaml(await plugin.scan.run(values, positionals, progress), command);
  } catch (e) {
    fail(`xiang-edge scan ${type}: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  if (typeof values.out === 'string') {
    writeFileSync(values.out, yamlText);
    process.stderr.write(`wrote ${values.out}\n`);
  } else process.stdout.write(yamlText);
  process.exit(0);
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP[rest[0] ?? ''] ?? USAGE);
    process.exit(cmd === undefined ? 2 : 0);
  }
  if ((cmd === 'scan' || cmd === 'browse') && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(HELP[cmd] ?? USAGE);
    return;
  }
  if (cmd === 'scan') return await scan(rest[0], rest.slice(1), `xiang-edge ${argv.join(' ')}`);
  if (cmd === 'browse') return await scan('opcua', rest, `xiang-edge ${argv.join(' ')}`);
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(rest);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('. ')[0];
    const usage = HELP[cmd]?.split('\n')[0] ?? `xiang-edge ${cmd} …`;
    fail(`xiang-edge ${cmd}: ${msg}\nusage: ${usage}   (xiang-edge ${cmd} --help)`);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(HELP[cmd] ?? USAGE);
    return;
  }
  if (cmd === 'sources') {
    for (const p of sourcePlugins) process.stdout.write(`${p.type.padEnd(8)}  ${p.summary}\n`);
    return;
  }
  if (cmd === 'run') {
    const { cfg } = load(values.config);
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
    const { cfg, warnings } = load(values.config);
    process.stderr.write(`config ${values.config}: valid (${cfg.sources.length} sources)\n`);
    if (values.strict && warnings.length > 0) {
      fail(`check --strict: ${warnings.length} security warning(s) — fix them or drop --strict`, 1);
    }
    const results = await checkAll(cfg, (m) => process.stderr.write(`checking ${m}…\n`));
    process.stdout.write(`${formatTable(results)}\n`);
    process.exit(results.every((r) => r.ok) ? 0 : 1);
  }
  fail(`unknown command "${cmd}"\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e) =>
  fail(`xiang-edge: ${e instanceof Error ? e.message : String(e)}`, 1),
);
