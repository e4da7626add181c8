import { exitWithParent } from '@xiang/protocol/exit-with-parent';

/**
 * Start and stop of `npm start`'s parts, in one process. SIGINT, SIGTERM and SIGHUP stop every part in reverse
 * order of start (a history replay in progress is aborted first), then the process exits — no child, no port
 * left behind. A second signal while stopping is ignored (Ctrl-C reaches npm and this process alike); a third
 * one, or 30 s, forces the exit.
 */
export class Lifecycle {
  private readonly stops: { name: string; stop: () => Promise<void> }[] = [];
  private readonly aborter = new AbortController();
  private signals = 0;
  private stopping = false;

  constructor(
    private readonly say: (line: string) => void,
    private readonly onStopError: (name: string, e: unknown) => void,
  ) {}

  /** Aborted as soon as a stop is requested: long start-up work (history replay) checks it. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  add(name: string, stop: () => Promise<void>): void {
    this.stops.push({ name, stop });
  }

  installSignalHandlers(): void {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(sig, () => {
        this.signals++;
        if (this.signals >= 3) {
          this.say('强制退出 / forced exit');
          process.exit(130);
        }
        void this.stopAll(0);
      });
    }
    exitWithParent();
  }

  async stopAll(code: number): Promise<never> {
    if (this.stopping) return new Promise<never>(() => {});
    this.stopping = true;
    this.aborter.abort();
    setTimeout(() => {
      this.say('停止超时，强制退出 / stop timed out after 30 s, exiting');
      process.exit(code || 1);
    }, 30_000).unref();
    this.say('\n正在停止 / stopping…');
    for (const { name, stop } of this.stops.reverse()) {
      const t0 = Date.now();
      process.stdout.write(`  ${name}…`);
      await stop().catch((e) => this.onStopError(name, e));
      process.stdout.write(` ${Date.now() - t0} ms\n`);
    }
    this.say('已停止 / stopped.');
    process.exit(code);
  }
}
