import { openSync } from 'node:fs';
import net from 'node:net';
import tty from 'node:tty';

/**
 * Byte-stream faces for field-bus simulators: a TCP listener (a transparent serial-to-TCP gateway, or a
 * Modbus TCP device) and one end of a pseudo-terminal pair (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`) standing
 * in for an RS-485 line. Each connection gets its own `onData`; what it writes goes back on the same stream.
 */
export type Stream = { write(b: Uint8Array): void; readonly id: string };
export type Endpoint = { readonly description: string; close(): Promise<void> };

export async function listenTcp(
  port: number,
  onConnection: (s: Stream) => (data: Buffer) => void,
  host = '127.0.0.1',
): Promise<Endpoint & { port: number }> {
  const sockets = new Set<net.Socket>();
  let n = 0;
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    const s: Stream = { id: `tcp#${++n}`, write: (b) => void (sock.writable && sock.write(b)) };
    const onData = onConnection(s);
    sock.on('data', onData);
    sock.on('error', () => sock.destroy());
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    port: actual,
    description: `tcp ${host}:${actual}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Opens a pty (or any tty) device as the simulator's end of a serial line, raw mode. */
export function openSerial(path: string, onConnection: (s: Stream) => (data: Buffer) => void): Endpoint {
  const fd = openSync(path, 'r+');
  const input = new tty.ReadStream(fd);
  input.setRawMode(true);
  const output = new tty.WriteStream(fd);
  const s: Stream = { id: `serial ${path}`, write: (b) => void output.write(b) };
  input.on('data', onConnection(s));
  input.on('error', () => {});
  output.on('error', () => {});
  return {
    description: `serial ${path}`,
    close: async () => {
      input.destroy();
      output.destroy();
    },
  };
}
