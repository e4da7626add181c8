import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A pseudo-terminal pair standing in for an RS-485 line: `socat pty,raw,echo=0,link=<dir>/sim
 * pty,raw,echo=0,link=<dir>/agent` (Debian package socat). The simulator opens `simPath`, the agent
 * (serialport) opens `agentPath`; bytes written on one come out of the other. Baud rate, parity and stop bits are
 * accepted and ignored by a pty: it carries bytes as fast as both ends read them.
 */
export type PtyPair = {
  readonly simPath: string;
  readonly agentPath: string;
  readonly pid: number;
  /** Stops this socat (by its pid) and removes the links. */
  close(): Promise<void>;
};

export const SOCAT = '/usr/bin/socat';

export function socatAvailable(): boolean {
  return existsSync(SOCAT);
}

/**
 * Starts socat on two links in a new temp dir (or the agent's end at a path of your choice, which must not exist);
 * resolves once socat's transfer loop runs (at most 10 s).
 */
export async function startPtyPair(o: { agentPath?: string } = {}): Promise<PtyPair> {
  if (o.agentPath && existsSync(o.agentPath)) throw new Error(`${o.agentPath} exists already`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xiang-pty-'));
  const simPath = path.join(dir, 'sim');
  const agentPath = o.agentPath ?? path.join(dir, 'agent');
  const proc = spawn(
    SOCAT,
    ['-d', '-d', `pty,raw,echo=0,link=${simPath}`, `pty,raw,echo=0,link=${agentPath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socat: no pty pair within 10 s: ${log}`)), 10_000);
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`socat exited (${code}): ${log}`));
      });
      proc.stderr!.on('data', (d: Buffer) => {
        log = (log + d.toString()).slice(-2000);
        // -d -d: "N starting data transfer loop" once both ptys exist.
        if (/starting data transfer loop/.test(log) && existsSync(simPath) && existsSync(agentPath)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (e) {
    if (proc.pid && proc.exitCode === null) process.kill(proc.pid);
    rmSync(dir, { recursive: true, force: true });
    if (o.agentPath) rmSync(o.agentPath, { force: true });
    throw e;
  }
  const pid = proc.pid!;
  return {
    simPath,
    agentPath,
    pid,
    close: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        process.kill(pid);
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      // socat removes its links when it ends; a link left by a killed socat is removed here.
      if (o.agentPath) rmSync(o.agentPath, { force: true });
    },
  };
}
