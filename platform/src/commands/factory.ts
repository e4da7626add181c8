import path from 'node:path';
import { parseArgs } from 'node:util';
import { idSchema } from '@xiang/protocol';
import { ConfigError, loadConfig } from '../config/load.js';
import { openPlatformDb } from '../registry/db.js';
import { Registry } from '../registry/registry.js';
import { type CliCommand, EXIT } from './types.js';

const USAGE = [
  'xiang factory create <id> [--name 名称] [--config platform.yaml]',
  '       xiang factory list [--config platform.yaml]',
  '       xiang factory assign <factoryId> <deviceId> <agentId> [--config platform.yaml]',
  '       xiang factory agent <factoryId> <agentId> [--config platform.yaml]',
].join('\n');

const FACTORY_HELP = `${USAGE}

工厂与设备归属：创建工厂（代理只能向已创建的工厂上报，除非开启 ingest.autoRegisterFactories），列出工厂，
把设备交给另一个代理（设备归首个声明它的代理所有，其他代理对它的数据按 deviceNotOwned 拒收），
登记代理（ingest.autoRegisterAgents 关闭时，只有已登记的代理可以上报，其余按 unknownAgent 拒收）。
Creates a factory (agents' data for a factory nobody created is dead-lettered as unknownFactory unless
ingest.autoRegisterFactories is on), lists factories, hands a device to another agent (a device belongs to
the first agent that declared it; other agents' data for it is dead-lettered as deviceNotOwned), registers
an agent (with ingest.autoRegisterAgents off only registered agents may publish; others are dead-lettered as
unknownAgent). Opens the data directory (XIANG_DATA_DIR or --config, default ./data) directly; safe beside a running platform.

Examples:
  npx xiang factory create tiny --name 小型试验厂
  npx xiang factory list
  npx xiang factory assign tiny M1 edge1
  npx xiang factory agent tiny edge1`;

/**
 * `xiang factory`: what an admin decides about factories without the API — create one (agents' data for a
 * factory nobody created is dead-lettered as unknownFactory unless ingest.autoRegisterFactories is on), list
 * them, hand a device to another agent. Opens the platform's data directory like `xiang serve` (SQLite WAL:
 * safe beside a running platform).
 */
export const factoryCommand: CliCommand = {
  name: 'factory',
  summary: '工厂与设备归属（管理员） · Create factories, assign devices to agents (admin)',
  usage: USAGE,
  help: FACTORY_HELP,
  async run(argv, io) {
    let values: { name?: string; config?: string };
    let positionals: string[];
    let config: ReturnType<typeof loadConfig>;
    try {
      ({ values, positionals } = parseArgs({
        args: argv,
        options: { name: { type: 'string' }, config: { type: 'string', short: 'c' } },
        strict: true,
        allowPositionals: true,
      }));
      config = loadConfig({ file: values.config });
    } catch (e) {
      const usage = e instanceof ConfigError ? '' : `\nusage: ${USAGE}`;
      io.err(`xiang factory: ${(e as Error).message}${usage}`);
      return EXIT.usage;
    }
    const [action, ...ids] = positionals;
    const arity: Record<string, number> = { create: 1, list: 0, assign: 3, agent: 2 };
    const want = arity[action ?? ''] ?? -1;
    const bad = ids.find((id) => !idSchema.safeParse(id).success);
    if (want < 0 || ids.length !== want || bad !== undefined) {
      const why = bad !== undefined ? `"${bad}" is not an id (1–64 of A–Z a–z 0–9 _ -)` : 'wrong arguments';
      io.err(`xiang factory: ${why}\nusage: ${USAGE}`);
      return EXIT.usage;
    }
    const db = openPlatformDb(path.join(config.dataDir, 'platform.db'));
    try {
      const registry = new Registry(db);
      if (action === 'list') {
        for (const f of registry.factories()) io.out(`${f.id}\t${f.name}`);
        return EXIT.ok;
      }
      if (action === 'create') {
        const [id] = ids as [string];
        if (!registry.createFactory({ id, ...(values.name ? { name: values.name } : {}) })) {
          io.err(`xiang factory: factory "${id}" exists already`);
          return EXIT.failed;
        }
        io.out(`工厂已创建 · factory created: ${id}`);
        return EXIT.ok;
      }
      if (action === 'agent') {
        const [f, a] = ids as [string, string];
        if (!registry.hasFactory(f)) {
          io.err(`xiang factory: factory "${f}" does not exist (xiang factory create ${f})`);
          return EXIT.failed;
        }
        const created = registry.registerAgent(f, a);
        io.out(
          `${created ? '代理已登记 · agent registered' : '代理已存在 · agent known already'}: ${f}/${a}`,
        );
        return EXIT.ok;
      }
      const [f, d, a] = ids as [string, string, string];
      if (!registry.assignDevice(f, d, a)) {
        io.err(`xiang factory: device "${d}" is not known in factory "${f}"`);
        return EXIT.failed;
      }
      io.out(`设备 ${d} 归属代理 ${a} · device ${d} now belongs to agent ${a}`);
      return EXIT.ok;
    } finally {
      db.close();
    }
  },
};
