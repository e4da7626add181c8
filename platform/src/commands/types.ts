/** One `xiang <name>` subcommand: a file in commands/ plus one entry in cli.ts. */
export type CliIo = {
  out: (line: string) => void;
  err: (line: string) => void;
};

export type CliCommand = {
  name: string;
  /** One line, zh-CN first then English. */
  summary: string;
  /** One-line synopsis, printed after a usage error. */
  usage: string;
  /** What `xiang <name> --help` prints: synopsis, what it does, every option, examples. */
  help: string;
  /** Resolves with the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
};

/** Exit codes: 0 ok, 1 failure at run time, 2 bad usage or bad config. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** An error as one line for the terminal: the message only (node:util's parse errors carry a hint after ". "). */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (msg.split('\n')[0] ?? msg).replace(/\. To specify a positional argument.*$/, '');
}
