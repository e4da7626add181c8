import { diagnoseCommand } from './commands/diagnose.js';
import { factoryCommand } from './commands/factory.js';
import { gradeCommand } from './commands/grade.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';
import { type CliCommand, type CliIo, EXIT, oneLine } from './commands/types.js';

/** Every `xiang` subcommand. Adding one is a file in commands/ plus one line here. */
export const commands: CliCommand[] = [
  serveCommand,
  factoryCommand,
  gradeCommand,
  diagnoseCommand,
  tokenCommand,
];

const stdio: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

const EXAMPLES = [
  'npx xiang serve --config platform.yaml',
  'XIANG_DATA_DIR=.data/start/platform npx xiang diagnose --factory hn-gearbox --from today-3 --to yesterday --out report.html',
  'XIANG_DATA_DIR=.data/start/platform npx xiang token admin',
  'npx xiang diagnose --help',
];

function help(io: CliIo): void {
  io.out('xiang — 湘智工业互联平台 · xiang-iiot platform\n');
  io.out(
    'usage: xiang <command> [options]     xiang <command> --help shows the options and examples of one\n',
  );
  for (const c of commands) io.out(`  ${c.name.padEnd(10)} ${c.summary}\n  ${''.padEnd(10)} ${c.usage}`);
  io.out(
    '\nThe data commands open the platform data directory of XIANG_DATA_DIR (or --config; default ./data);' +
      '\n`npm start` keeps its data in .data/start/platform.',
  );
  io.out(`\nExamples:\n${EXAMPLES.map((e) => `  ${e}`).join('\n')}`);
}

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    if (topic) io.out(topic.help);
    else help(io);
    return name ? EXIT.ok : EXIT.usage;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(
      `xiang: unknown command "${name}" (commands: ${commands.map((c) => c.name).join(', ')}; xiang --help)`,
    );
    return EXIT.usage;
  }
  if (wantsHelp(rest)) {
    io.out(cmd.help);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    // A bug or an environment failure: one line here, the stack only when asked for.
    io.err(`xiang ${name}: ${oneLine(e)}${process.env.XIANG_DEBUG ? `\n${(e as Error)?.stack ?? ''}` : ''}`);
    return EXIT.failed;
  }
}
