// The runtime directories under the shared temporary directory (qemu-nbd's sockets and pid files,
// the image proxy's local socket) are the engine user's alone, and a pid file is not trusted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { withEngine } from '../support/engine';
import { ensureCertificates } from '../../services/pki';
import { proxyLimits, startProxy } from '../../proxy/server';
import { ensureNbdServer, nbdSocket, stopNbdServer } from '../../services/nbd-server';

const NBD_MODULE = path.join(__dirname, '..', '..', 'services', 'nbd-server.js');
const MiB = 1024 * 1024;
/** The temporary directory of the test process, which a test below changes for a while. */
const TMP = os.tmpdir();

/** Runs a function of the NBD module in a process whose temporary directory is `tmp`; answers what it resolved or threw. */
async function nbdIn(tmp: string, fn: 'ensureNbdServer' | 'stopNbdServer', ...args: unknown[]): Promise<{ value?: string; error?: string }> {
  const script = `require(${JSON.stringify(NBD_MODULE)}).${fn}(...${JSON.stringify(args)})
    .then((value) => console.log(JSON.stringify({ value })), (e) => console.log(JSON.stringify({ error: e.message })))`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: tmp } });
  return JSON.parse(stdout) as { value?: string; error?: string };
}

/** A temporary directory with an image to serve; removed after the test. */
function scratch(): { tmp: string; image: string } {
  const tmp = fs.mkdtempSync(path.join(TMP, 'hangar-rt-'));
  const image = path.join(tmp, 'image.raw');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, MiB);
  return { tmp, image };
}

/** Directories another local user could have made first: world-writable, a link, (as root) someone else's. */
const HOSTILE: { why: RegExp; make(dir: string): void }[] = [
  {
    why: /other users may write/,
    make: (dir) => {
      fs.mkdirSync(dir);
      fs.chmodSync(dir, 0o777);
    },
  },
  { why: /not a directory/, make: (dir) => fs.symlinkSync(fs.mkdtempSync(`${dir}-target-`), dir) },
  ...(process.getuid?.() === 0 ? [{
    why: /owned by uid 65534/,
    make: (dir: string) => {
      fs.mkdirSync(dir, { mode: 0o700 });
      fs.chownSync(dir, 65534, 65534);
    },
  }] : []),
];

describe('security: private runtime directories', () => {
  const ctx = withEngine();

  it('refuses an NBD runtime directory another user could have planted, and starts nothing in it', async () => {
    for (const hostile of HOSTILE) {
      const { tmp, image } = scratch();
      const id = randomUUID();
      try {
        const dir = path.join(tmp, 'hangar-nbd');
        hostile.make(dir);
        const started = await nbdIn(tmp, 'ensureNbdServer', id, { image, format: 'raw', readOnly: true });
        assert.match(String(started.error), hostile.why, `started in ${dir}: ${JSON.stringify(started)}`);
        assert.deepEqual(fs.readdirSync(dir), []);
      } finally {
        await nbdIn(tmp, 'stopNbdServer', id);
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
  });

  it("makes the image proxy's socket directory private, and refuses one another user could have planted", async () => {
    const t = ctx.t;
    const certs = await ensureCertificates(t.engine.db, t.config.dataDir, 'localhost');
    const saved = process.env.TMPDIR;
    try {
      for (const hostile of [undefined, ...HOSTILE]) {
        const { tmp } = scratch();
        process.env.TMPDIR = tmp;
        const dir = path.join(tmp, 'hangar-imageio');
        hostile?.make(dir);
        const start = startProxy(t.engine.db, certs, { port: 0, bind: '127.0.0.1', controlSocket: path.join(tmp, 'control', 'tickets.sock'), removeTimeout: 1, limits: proxyLimits(t.config), log: t.engine.log, metrics: t.engine.metrics });
        try {
          if (hostile) {
            await assert.rejects(start, hostile.why);
          } else {
            await start;
            const st = fs.lstatSync(dir);
            assert.equal(st.mode & 0o777, 0o700);
            assert.equal(st.uid, process.getuid?.());
          }
        } finally {
          await (await start.catch(() => undefined))?.stop();
          fs.rmSync(tmp, { recursive: true, force: true });
        }
      }
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('kills a server that does not stop on SIGTERM within the wait', async () => {
    const id = randomUUID();
    const pidFile = nbdSocket(id).replace(/\.sock$/, '.pid');
    // A process that passes for the transfer's qemu-nbd and ignores SIGTERM, as a loaded one may seem to.
    const stubborn = spawn('sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 1; done', 'sh', `--socket=${nbdSocket(id)}`], { argv0: 'qemu-nbd', stdio: ['ignore', 'pipe', 'ignore'] });
    const gone = new Promise((resolve) => stubborn.once('exit', (_code, signal) => resolve(signal)));
    // SIGTERM is ignored only once the trap is set.
    await new Promise((resolve) => stubborn.stdout!.once('data', resolve));
    try {
      fs.mkdirSync(path.dirname(pidFile), { recursive: true, mode: 0o700 });
      fs.writeFileSync(pidFile, `${stubborn.pid}\n`);
      await stopNbdServer(id);
      assert.equal(await gone, 'SIGKILL');
      assert.equal(fs.existsSync(pidFile), false);
    } finally {
      stubborn.kill('SIGKILL');
    }
  });

  describe('a pid file naming a process that is not the transfer\'s qemu-nbd', () => {
    let victim: ChildProcess;
    let image: string;
    let tmp: string;
    const id = randomUUID();
    const pidFile = nbdSocket(id).replace(/\.sock$/, '.pid');
    /** What a stale pid file looks like: the pid (since reused) and the socket left behind. */
    const plant = () => {
      fs.mkdirSync(path.dirname(pidFile), { recursive: true, mode: 0o700 });
      fs.writeFileSync(pidFile, `${victim.pid}\n`);
      fs.writeFileSync(nbdSocket(id), '');
    };
    const victimAlive = () => victim.exitCode === null && victim.signalCode === null;

    before(() => {
      ({ tmp, image } = scratch());
      victim = spawn('sleep', ['1000'], { stdio: 'ignore' });
    });
    after(async () => {
      await stopNbdServer(id);
      victim.kill('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('is not signalled when the server is stopped', async () => {
      plant();
      await stopNbdServer(id);
      assert.ok(victimAlive(), 'the process the pid file named was signalled');
      assert.equal(fs.existsSync(pidFile), false, 'the stale pid file is removed');
    });

    it('does not pass for the running server: a server of its own is started', async () => {
      plant();
      const socket = await ensureNbdServer(id, { image, format: 'raw', readOnly: true });
      assert.equal(socket, nbdSocket(id));
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.notEqual(pid, victim.pid);
      assert.match(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /qemu-nbd/);
      assert.ok(victimAlive());
    });
  });
});
