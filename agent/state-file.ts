// A guest's state moves between QEMU and a file through a Unix socket the agent serves: QEMU
// migrates into it (suspend) or from it (resume), so QEMU itself never runs a program or opens
// the file.
import fs from 'node:fs';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';

/** Serves one connection on `socketPath`, with `connected` moving the bytes; answers the QEMU URI. */
function serveOnce(socketPath: string, connected: (socket: net.Socket) => Promise<void>): Promise<string> {
  fs.rmSync(socketPath, { force: true });
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      server.close();
      connected(socket).catch(() => socket.destroy()).finally(() => fs.rmSync(socketPath, { force: true }));
    });
    server.once('error', reject);
    server.listen(socketPath, () => resolve(`unix:${socketPath}`));
  });
}

/** Where QEMU writes the state it saves, into `file`. */
export function sendState(file: string, socketPath: string): Promise<string> {
  return serveOnce(socketPath, (socket) => pipeline(socket, fs.createWriteStream(file, { mode: 0o600 })));
}

/** Where QEMU reads the state saved in `file`. */
export function receiveState(file: string, socketPath: string): Promise<string> {
  return serveOnce(socketPath, (socket) => pipeline(fs.createReadStream(file), socket));
}
