// A guest's state moves between QEMU and a file through a Unix socket the agent serves: QEMU
// migrates into it (suspend) or from it (resume), so QEMU itself never runs a program or opens
// the file.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** A socket for QEMU's state: its URI, and when the bytes have all moved. */
export interface StateChannel {
  uri: string;
  moved: Promise<void>;
}

/** Serves one connection on `socketPath`, with `connected` moving the bytes. */
function serveOnce(socketPath: string, connected: (socket: net.Socket) => Promise<void>): Promise<StateChannel> {
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
    server.listen(socketPath, () => resolve(channel));
  });
}

/** Where QEMU writes the state it saves, into `file`. */
export function sendState(file: string, socketPath: string): Promise<StateChannel> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return serveOnce(socketPath, (socket) => pipeline(socket, fs.createWriteStream(file, { mode: 0o600 })));
}

/** Where QEMU reads the state saved in `file`. */
export function receiveState(file: string, socketPath: string): Promise<StateChannel> {
  return serveOnce(socketPath, (socket) => pipeline(fs.createReadStream(file), socket));
}
