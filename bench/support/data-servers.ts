// Two image data servers side by side, each in a process of its own so that its CPU time and
// memory are its alone: Hangar's proxy (`HANGAR_ROLE=proxy node dist/main.js`) and the real
// ovirt-imageio daemon, built from its public source (/work/shared/tools/build-ovirt-clients.sh
// leaves it in `<dir>/imageio-src`, its client in `<dir>/lib`). Both take tickets through their
// control API with the same JSON, over the same TLS certificate, and offer a Unix socket.
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from '../../services/store/connect';
import { prepareStore } from '../../services/store/prepare';

export interface DataServer {
  name: string;
  pid: number;
  /** `https://localhost:<port>/images/` */
  base: string;
  port: number;
  /** Where a local client may reach the same images without TLS. */
  unixSocket: string;
  install(ticket: Record<string, unknown>): Promise<void>;
  remove(id: string): Promise<void>;
  /** CPU seconds the process used so far (user and system, all threads). */
  cpu(): number;
  /** Resident memory now and at most so far, in bytes. */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
}

const TICK = 100;

function cpuOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

function control(socketPath: string, method: string, id: string, body?: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: `/tickets/${id}` }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`${method} /tickets/${id}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Waits for the line of `child`'s output that `pattern` matches, and answers its match. */
function lineOf(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let found = false;
    // What it says later is read and dropped, so that it never waits on a full pipe.
    const look = (chunk: Buffer) => {
      if (found) return;
      seen += chunk.toString();
      const m = pattern.exec(seen);
      if (m) {
        found = true;
        resolve(m);
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => found || reject(new Error(`exited (${code}) before saying ${pattern}: ${seen}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGTERM');
  await gone;
}

/**
 * Hangar's proxy alone in a process, with its own data dir (and so its own certificate), on a
 * database prepared beforehand, as an engine process prepares the one its proxies share.
 */
export async function startHangarProxy(dataDir: string): Promise<DataServer & { caFile: string; certFile: string; keyFile: string }> {
  const main = path.join(__dirname, '../../main.js');
  const dbFile = path.join(dataDir, 'hangar.sqlite');
  const db = await connect({ url: dbFile });
  await prepareStore(db);
  await db.destroy();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, HANGAR_ROLE: 'proxy', HANGAR_DATA_DIR: dataDir, HANGAR_DB: dbFile, HANGAR_PROXY_PORT: '0', HANGAR_BIND: '0.0.0.0', HANGAR_ADMIN_PASSWORD: 'bench-admin-password', GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1073741824' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [, port] = await lineOf(child, /image proxy on https:\/\/[^:]+:(\d+)\/images/);
  const controlSocket = path.join(dataDir, 'imageio-control', 'tickets.sock');
  const base = `https://localhost:${port}/images/`;
  const pki = path.join(dataDir, 'pki');
  const caFile = path.join(pki, 'ca.pem');
  const unixSocket = await unixSocketOf(Number(port), caFile);
  return {
    name: 'Hangar', pid: child.pid!, base, port: Number(port), unixSocket, caFile, certFile: path.join(pki, 'server.pem'), keyFile: path.join(pki, 'server.key'),
    install: (t) => control(controlSocket, 'PUT', String(t.uuid), t),
    remove: (id) => control(controlSocket, 'DELETE', id),
    cpu: () => cpuOf(child.pid!), memory: () => memoryOf(child.pid!),
    stop: () => stopChild(child),
  };
}

/** The `unix_socket` a server's OPTIONS offers. */
async function unixSocketOf(port: number, caFile: string): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('curl', ['-sf', '--cacert', caFile, '-X', 'OPTIONS', `https://localhost:${port}/images/*`]).toString();
  return (JSON.parse(out) as { unix_socket: string }).unix_socket;
}

/** The imageio daemon from `<built>/imageio-src`, with the given TLS files, in `workDir`. */
export async function startImageio(built: string, workDir: string, tls: { certFile: string; keyFile: string; caFile: string }): Promise<DataServer> {
  const conf = path.join(workDir, 'imageio-conf');
  fs.mkdirSync(path.join(conf, 'conf.d'), { recursive: true });
  const controlSocket = path.join(workDir, 'imageio-control.sock');
  const unixSocket = path.join(workDir, 'imageio-local.sock');
  fs.writeFileSync(path.join(conf, 'conf.d', 'bench.conf'), [
    '[daemon]', 'drop_privileges = false', 'systemd_enable = false', `run_dir = ${path.join(workDir, 'imageio-run')}`,
    '[tls]', `key_file = ${tls.keyFile}`, `cert_file = ${tls.certFile}`, `ca_file = ${tls.caFile}`,
    '[remote]', 'port = 0',
    '[local]', `socket = ${unixSocket}`,
    '[control]', 'transport = unix', `socket = ${controlSocket}`,
    '[handlers]', 'keys = stderr', '[logger_root]', 'level = INFO', 'handlers = stderr', '',
  ].join('\n'));
  const src = path.join(built, 'imageio-src');
  const child = spawn('/usr/bin/python3', ['./ovirt-imageio', '-c', conf], { cwd: src, env: { ...process.env, PYTHONPATH: src }, stdio: ['ignore', 'pipe', 'pipe'] });
  const [, port] = await lineOf(child, /remote\.service listening on \('[^']*', (\d+)\)[\s\S]*Ready for requests/);
  return {
    name: 'imageio', pid: child.pid!, base: `https://localhost:${port}/images/`, port: Number(port), unixSocket,
    install: (t) => control(controlSocket, 'PUT', String(t.uuid), t),
    remove: (id) => control(controlSocket, 'DELETE', id),
    cpu: () => cpuOf(child.pid!), memory: () => memoryOf(child.pid!),
    stop: () => stopChild(child),
  };
}

