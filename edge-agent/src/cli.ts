import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ValidationError } from '@xiang/protocol';
import { startAgent } from './agent.js';
import { checkAll, formatTable } from './check.js';
import { loadConfigFile } from './config/load.js';
import { skeletonYaml } from './scan.js';
import { sourcePlugins } from './sources/registry.js';

const scanUsage = sourcePlugins
  .filter((p) => p.scan)
  .map((p) => `  xiang-edge scan ${p.type} ${p.scan!.usage.replace(/\n/g, '\n       ')}`)
  .join('\n');

const USAGE = `xiang-edge — 湘智边缘代理 / xiang-iiot edge agent

  xiang-edge run --config <file>        运行代理 / run the agent
  xiang-edge check --config <file>      校验配置并测试每个端点 / validate and try every endpoint
  xiang-edge sources                    列出数据源类型 / list the source types
  xiang-edge scan <type> … [--out file] 发现设备并生成配置骨架 / find what answers, write a config skeleton
${scanUsage}
  xiang-edge browse <opc.tcp://…> …     = xiang-edge scan opcua …
`;

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
  if (cmd === 'scan') return await scan(rest[0], rest.slice(1), `xiang-edge ${argv.join(' ')}`);
  if (cmd === 'browse') return await scan('opcua', rest, `xiang-edge ${argv.join(' ')}`);
  const { values } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  if (!cmd || values.help || cmd === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (cmd === 'sources') {
    for (const p of sourcePlugins) process.stdout.write(`${p.type.padEnd(8)}  ${p.summary}\n`);
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
  fail(`unknown command "${cmd}"\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e) =>
  fail(`xiang-edge: ${e instanceof Error ? e.message : String(e)}`, 1),
);
