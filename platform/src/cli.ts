import { diagnoseCommand } from './commands/diagnose.js';
import { factoryCommand } from './commands/factory.js';
import { gradeCommand } from './commands/grade.js';
import { serveCommand } from './commands/serve.js';
import { type CliCommand, type CliIo, EXIT } from './commands/types.js';

/** Every `xiang` subcommand. Adding one is a file in commands/ plus one line here. */
export const commands: CliCommand[] = [serveCommand, factoryCommand, gradeCommand, diagnoseCommand];

const stdio: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

function help(io: CliIo): void {
  io.out('xiang — 湘智工业互联平台 · xiang-iiot platform\n');
  io.out('usage: xiang <command> [options]\n');
  for (const c of commands) io.out(`  ${c.name.padEnd(10)} ${c.summary}\n  ${''.padEnd(10)} ${c.usage}`);
}

export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    help(io);
    return name ? EXIT.ok : EXIT.usage;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`xiang: unknown command "${name}" (commands: ${commands.map((c) => c.name).join(', ')})`);
    return EXIT.usage;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    io.err(`xiang ${name}: ${(e as Error)?.stack ?? e}`);
    return EXIT.failed;
  }
}
