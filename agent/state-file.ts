// A guest's state moves between QEMU and a file through a Unix socket: QEMU migrates into one
// the agent serves (suspend), or from one it listens on, fed by the agent (resume), so QEMU
// itself never runs a program or opens the file.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { QemuUser, handOver } from './qemu-user';

/** A socket for QEMU's state: its URI, and when the bytes have all moved. */
export interface StateChannel {
  uri: string;
  moved: Promise<void>;
}

/** Serves one connection on `socketPath`, with `connected` moving the bytes. */
function serveOnce(socketPath: string, owner: QemuUser | undefined, connected: (socket: net.Socket) => Promise<void>): Promise<StateChannel> {
  fs.rmSync(socketPath, { force: true });
  let moved!: Promise<void>;
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      server.close();
      moved = connected(socket).finally(() => fs.rmSync(socketPath, { force: true }));
      channel.moved = moved;
    });
    const channel: StateChannel = { uri: `unix:${socketPath}`, moved: new Promise<void>(() => undefined) };
    server.once('error', reject);
    // QEMU connects as the user it runs as.
    server.listen(socketPath, () => {
      handOver(owner, socketPath);
      resolve(channel);
    });
  });
}

/** Where QEMU writes the state it saves, into `file`. */
export function sendState(file: string, socketPath: string, owner?: QemuUser): Promise<StateChannel> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return serveOnce(socketPath, owner, (socket) => pipeline(socket, fs.createWriteStream(file, { mode: 0o600 })));
}

/**
 * Feeds QEMU the state saved in `file`: QEMU listens on `socketPath` once `listen` has asked it
 * to (an incoming migration listens), and the agent connects there and sends the file.
 */
export async function restoreState(file: string, socketPath: string, listen: (uri: string) => Promise<void>): Promise<void> {
  fs.rmSync(socketPath, { force: true });
  await listen(`unix:${socketPath}`);
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(socketPath);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
  // QEMU reads on by itself; the agent only waits for the file to have gone.
  void pipeline(fs.createReadStream(file), socket).catch(() => socket.destroy());
}
