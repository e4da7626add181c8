/** One `xiang <name>` subcommand: a file in commands/ plus one entry in cli.ts. */
export type CliIo = {
  out: (line: string) => void;
  err: (line: string) => void;
};

export type CliCommand = {
  name: string;
  /** One line, zh-CN first then English. */
  summary: string;
  usage: string;
  /** Resolves with the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
};

/** Exit codes: 0 ok, 1 failure at run time, 2 bad usage or bad config. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
