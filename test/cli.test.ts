// The `hangar` command line run as child processes against an in-process engine, with a config
// directory of its own: login profiles, the tree commands in every output form, help from the
// model's docs, completion, faults.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import * as T from '../model/types';
import { attributeOf } from '../model/meta';
import { Root } from '../model/services';
import { XML } from '../model/codec';
import { withEngine } from './support/engine';
import { until } from './support/until';
import { localDataDomains } from './support/domains';

const MAIN = path.join(__dirname, '..', 'sdk', 'cli', 'main.js');
const MiB = 1024 * 1024;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command (`file` with `args`) to its end, in `env` besides the test's own. */
function run(file: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('hangar command line', function () {
  this.timeout(120000);
  const ctx = withEngine();
  const config = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-cli-'));
  after(() => fs.rmSync(config, { recursive: true, force: true }));
  const env = { XDG_CONFIG_HOME: config };
  const hangar = (...args: string[]) => run(process.execPath, [MAIN, ...args], env);
  /** Runs a command that must succeed; its standard output. */
  const ok = async (...args: string[]) => {
    const r = await hangar(...args);
    assert.equal(r.code, 0, `hangar ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await ok(...args, '-o', 'json'));
  /** Starts a command that goes on (a stream, a long transfer): what it wrote so far, and its end. */
  const started = (...args: string[]) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const o = { child, stdout: '', stderr: '', exited: new Promise<number | null>((r) => child.on('close', r)) };
    child.stdout.on('data', (d: Buffer) => (o.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (o.stderr += d.toString()));
    return o;
  };
  /** The events a `--follow -o json` command told so far. */
  const toldBy = (c: { stdout: string }) => c.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; description: string });
  const profile = path.join(config, 'hangar', 'default.json');
  /** Adds a simulated host to the Default cluster, and waits until it is up. */
  const hostUp = async (name: string) => {
    await ok('add', 'hosts', '--name', name, '--address', `${name}.example.com`, '--root-password', 'secret-pw', '--cluster', 'Default');
    await until(async () => (await json('get', `hosts/${name}`)).status === 'up', 30000);
  };

  before(async () => {
    const passwordFile = path.join(config, 'password');
    fs.writeFileSync(passwordFile, 'test-admin-password\n');
    const caFile = path.join(ctx.t.config.dataDir, 'pki', 'ca.pem');
    await ok('login', `${ctx.t.httpsBase}/ovirt-engine/api`, '--user', 'admin@internal', '--password-file', passwordFile, '--ca-file', caFile);
  });

  it('logs in with a password file into a profile only its owner reads, which holds the token and not the password', () => {
    assert.equal(fs.statSync(profile).mode & 0o777, 0o600);
    const text = fs.readFileSync(profile, 'utf8');
    assert.ok(!text.includes('test-admin-password'));
    const saved = JSON.parse(text) as { url: string; token: string; ca: string };
    assert.equal(saved.url, `${ctx.t.httpsBase}/ovirt-engine/api`);
    assert.ok(saved.token.length > 20);
    assert.match(saved.ca, /BEGIN CERTIFICATE/);
  });

  it('asks the password on a terminal, without echoing it', async () => {
    const line = [process.execPath, MAIN, '--profile', 'asked', 'login', `${ctx.t.httpsBase}/ovirt-engine/api`, '--user', 'admin@internal', '--ca-file', path.join(ctx.t.config.dataDir, 'pki', 'ca.pem')].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qefc', line, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let shown = '';
    child.stdout.on('data', (d: Buffer) => (shown += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    await until(async () => shown.includes('Password of admin@internal'), 30000);
    child.stdin.write('test-admin-password\r');
    assert.equal(await exited, 0, shown);
    assert.ok(!shown.includes('test-admin-password'), shown);
    assert.match(shown, /Logged in/);
    assert.ok(JSON.parse(fs.readFileSync(path.join(config, 'hangar', 'asked.json'), 'utf8')).token);
  });

  it('adds, lists, shows, changes and removes a VM by name, in every output form', async () => {
    const made = await json('add', 'vms', '--name', 'web1', '--cluster', 'Default', '--template', 'Blank', '--memory', '1GiB', '--cpu.topology.cores', '2');
    assert.equal(made.name, 'web1');
    assert.equal(made.memory, 2 ** 30);
    assert.equal(made.cpu.topology.cores, 2);
    assert.equal(made.template.id, '00000000-0000-0000-0000-000000000000');

    const table = await ok('ls', 'vms');
    const [head, ...rows] = table.split('\n').filter((l) => /\w/.test(l));
    assert.deepEqual(head.split('│').map((c) => c.trim()).filter(Boolean), ['id', 'name', 'status', 'description']);
    assert.ok(rows.some((r) => r.includes(made.id) && r.includes('web1') && r.includes('down')), table);

    const found = await json('ls', 'vms', '--search', 'name=web*', '--max', '5');
    assert.deepEqual(found.map((v: { name: string }) => v.name), ['web1']);
    assert.deepEqual(await json('ls', 'vms', '--search', 'name=nothing*'), []);

    assert.equal((await json('get', 'vms/web1')).id, made.id);
    assert.equal((YAML.parse(await ok('get', 'vms/web1', '-o', 'yaml')) as { memory: number }).memory, 2 ** 30);
    const xml = XML.read(T.Vm, await ok('get', `vms/${made.id}`, '-o', 'xml'));
    assert.equal(xml.name, 'web1');
    assert.equal(XML.readList(T.Vm, await ok('ls', 'vms', '-o', 'xml')).length, 1);
    assert.match(await ok('get', 'vms/web1'), /cpu\.topology\.cores\s*│\s*2/);

    const changed = await json('set', 'vms/web1', '--memory', '2GiB', '--description', 'the web server');
    assert.equal(changed.memory, 2 * 2 ** 30);
    assert.equal((await json('get', 'vms/web1')).description, 'the web server');

    await ok('rm', 'vms/web1');
    assert.deepEqual(await json('ls', 'vms'), []);
  });

  it('adds and lists a sub-collection under a VM named in the path', async () => {
    const vm = await json('add', 'vms', '--name', 'db1', '--cluster', 'Default', '--template', 'Blank');
    // A NIC names its vNIC profile by id alone: the command line finds the id of the name given.
    const profile = await json('get', 'vnicprofiles/ovirtmgmt');
    await ok('add', 'vms/db1/nics', '--name', 'nic1', '--interface', 'virtio', '--vnic-profile', 'ovirtmgmt');
    const nics = await json('ls', 'vms/db1/nics');
    assert.deepEqual(nics.map((n: { name: string }) => n.name), ['nic1']);
    const nic = await json('get', 'vms/db1/nics/nic1');
    assert.equal(nic.vm.id, vm.id);
    assert.equal(nic.vnic_profile.id, profile.id);
  });

  it('runs an action and waits for the state it leads to', async () => {
    await hostUp('h1');
    await json('add', 'vms', '--name', 'app1', '--cluster', 'Default', '--template', 'Blank', '--os.boot.devices', 'network');
    const started = await json('do', 'vms/app1', 'start', '--wait');
    assert.equal(started.status, 'up');
    const stopped = await json('do', 'vms/app1', 'stop', '--wait');
    assert.equal(stopped.status, 'down');
    assert.equal((await json('do', 'vms/app1', 'start')).status, 'complete');
  });

  it('tells a fault\'s reason and detail on stderr, with a non-zero exit code', async () => {
    const missing = await hangar('get', 'vms/nosuch');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Not Found|not found/i);
    assert.equal(missing.stdout, '');
    const bad = await hangar('add', 'vms', '--name', 'x', '--template', 'Blank');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /cluster/);
    const wrong = await hangar('ls', 'vmz');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /No collection 'vmz'.*vms/);
  });

  it('gives help from the model\'s doc strings, for the path given', async () => {
    const help = await ok('add', 'vms', '--help');
    assert.ok(help.includes('The virtual machines.'), help);
    assert.ok(help.includes(attributeOf(T.Vm, 'cluster')!.doc), help);
    assert.match(help, /--cpu\.topology\.cores/);
    const collections = await ok('ls', '--help');
    assert.ok(collections.includes(Root.locators.storagedomains().doc), collections);
    const actions = await ok('do', 'vms/x', '--help');
    assert.ok(actions.includes('Powers the VM off at once.'), actions);
  });

  it('prints bash and zsh completion scripts whose candidates come from the tree', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-bin-'));
    fs.writeFileSync(path.join(bin, 'hangar'), `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`, { mode: 0o755 });
    const bash = await ok('completion', 'bash');
    assert.match(bash, /complete .*-F _hangar hangar/);
    assert.match(await ok('completion', 'zsh'), /compdef _hangar hangar/);
    const quoted = (words: string[]) => words.map((w) => `'${w}'`).join(' ');
    // Each shell's script run as that shell's completion system calls it: bash reads COMPREPLY;
    // zsh's compadd (a builtin of its completion widgets) is stood in for by one printing what it is given.
    const scripts = {
      bash: (words: string[]) => `source <(hangar completion bash); COMP_WORDS=(${quoted(words)}); COMP_CWORD=${words.length - 1}; _hangar; printf '%s\\n' "\${COMPREPLY[@]}"`,
      zsh: (words: string[]) =>
        `autoload -U compinit && compinit -u -D; source <(hangar completion zsh); compadd() { while [[ $1 != -- ]]; do shift; done; shift; print -rl -- "$@"; }; words=(${quoted(words)}); CURRENT=${words.length}; _hangar`,
    };
    for (const shell of ['bash', 'zsh'] as const) {
      const complete = async (...words: string[]) => {
        const r = await run(shell, shell === 'zsh' ? ['-fc', scripts.zsh(words)] : ['-c', scripts.bash(words)], { ...env, PATH: `${bin}:${process.env.PATH}` });
        assert.equal(r.code, 0, `${shell}: ${r.stderr}`);
        return r.stdout.split('\n').filter(Boolean);
      };
      assert.deepEqual(await complete('hangar', 'l'), ['login', 'logout', 'ls'], shell);
      assert.deepEqual(await complete('hangar', 'ls', 'vm'), ['vmpools', 'vms'], shell);
      assert.deepEqual(await complete('hangar', 'ls', 'vms/web/n'), ['vms/web/nics', 'vms/web/numanodes'], shell);
      assert.deepEqual(await complete('hangar', 'do', 'vms/web', 'sh'), ['shutdown'], shell);
      assert.ok((await complete('hangar', 'ls', 'vms', '--se')).includes('--search '), shell);
    }
    fs.rmSync(bin, { recursive: true, force: true });
  });

  it('lists the latest events, and follows the stream from one of them', async () => {
    const [latest] = await json('events', '--max', '1');
    assert.ok(latest.id && latest.description, JSON.stringify(latest));
    const follow = started('events', '--follow', '--after', latest.id, '-o', 'json');
    try {
      await ok('add', 'vms', '--name', 'followed1', '--cluster', 'Default', '--template', 'Blank');
      await until(async () => toldBy(follow).some((e) => e.description.includes('followed1')), 30000);
      assert.ok(toldBy(follow).every((e) => Number(e.id) > Number(latest.id)));
    } finally {
      follow.child.kill();
    }
  });

  it('follows the stream on after the connection to the engine dropped, telling each event once', async () => {
    // A relay in front of the engine, whose connections the test cuts.
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((inbound) => {
      const outbound = net.connect(Number(ctx.t.servers.https.info.port), '127.0.0.1');
      for (const [a, b] of [[inbound, outbound], [outbound, inbound]]) {
        sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          sockets.delete(a);
          b.destroy();
        });
      }
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const url = `https://localhost:${(relay.address() as net.AddressInfo).port}/ovirt-engine/api`;
    await ok('--profile', 'relayed', 'login', url, '--user', 'admin@internal', '--password-file', path.join(config, 'password'), '--ca-file', path.join(ctx.t.config.dataDir, 'pki', 'ca.pem'));
    const [latest] = await json('events', '--max', '1');
    const follow = started('--profile', 'relayed', 'events', '--follow', '--after', latest.id, '-o', 'json');
    try {
      const seen = (name: string) => until(async () => toldBy(follow).some((e) => e.description.includes(name)), 30000);
      await ok('add', 'vms', '--name', 'relayed1', '--cluster', 'Default', '--template', 'Blank');
      await seen('relayed1');
      for (const socket of sockets) socket.destroy();
      await ok('add', 'vms', '--name', 'relayed2', '--cluster', 'Default', '--template', 'Blank');
      await seen('relayed2');
      const ids = toldBy(follow).map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, ids.join(' '));
    } finally {
      follow.child.kill();
      relay.close();
      for (const socket of sockets) socket.destroy();
    }
  });

  describe('image transfers', () => {
    let dir: string;
    let image: string;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-cli-images-'));
      await localDataDomains(ctx.api, XML, dir, ['mydata']);
      await hostUp('images-host');
      // A sparse qcow2 image: 64 MiB seen by the guest, 1 MiB of data.
      image = path.join(dir, 'small.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, String(64 * MiB)]);
      execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0xab ${MiB} ${MiB}`, image]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs hangar in a pseudo-terminal (util-linux `script`), as a user at a terminal does: what the terminal shows. */
    const onTerminal = async (...args: string[]) => {
      const line = [process.execPath, MAIN, ...args].map((a) => `'${a}'`).join(' ');
      const r = await run('script', ['-qefc', line, '/dev/null'], { ...env, COLUMNS: '120' });
      assert.equal(r.code, 0, `${line}: ${r.stdout}${r.stderr}`);
      return r.stdout;
    };

    it('uploads an image with a progress bar on a terminal, and downloads it back identical', async () => {
      const shown = await onTerminal('upload', image, '--storage-domain', 'mydata', '--name', 'shown');
      assert.match(shown, /100% \| 1\.0 MiB of 1\.0 MiB \| [\d.]+ [KMG]?i?B\/s \| ETA/, shown);
      const copy = path.join(dir, 'copy.qcow2');
      const disk = await json('download', 'shown', copy);
      assert.equal(disk.name, 'shown');
      execFileSync('qemu-img', ['compare', '-q', image, copy]);
    });

    it('shows no bar with -o json, even on a terminal', async () => {
      const text = await onTerminal('upload', image, '--storage-domain', 'mydata', '--name', 'quiet', '-o', 'json');
      assert.doesNotMatch(text, /ETA|%/);
      const disk = JSON.parse(text) as { name: string; status: string; provisioned_size: number };
      assert.equal(disk.name, 'quiet');
      assert.equal(disk.status, 'ok');
      assert.equal(disk.provisioned_size, 64 * MiB);
    });

    it('tells that an upload resumes when the image proxy went away, and ends it identical', async () => {
      const image = path.join(dir, 'resumed.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, String(64 * MiB)]);
      execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x5a 0 ${32 * MiB}`, image]);
      const up = started('upload', image, '--storage-domain', 'mydata', '--name', 'resumed', '-o', 'json');
      // Once its transfer is under way, the proxy goes down until the command has told it resumes.
      await until(async () => XML.readList(T.ImageTransfer, (await ctx.api.call('GET', '/imagetransfers')).text).some((x) => x.phase === 'transferring'), 30000);
      await ctx.t.restartProxy(() => until(async () => up.stderr.includes('resuming after'), 60000));
      assert.equal(await up.exited, 0, up.stderr);
      const disk = JSON.parse(up.stdout) as { id: string; status: string };
      assert.equal(disk.status, 'ok');
      const copy = path.join(dir, 'resumed-copy.qcow2');
      await ok('download', disk.id, copy, '-o', 'json');
      execFileSync('qemu-img', ['compare', '-q', image, copy]);
    });
  });

  // After the other tests, which use the login.
  describe('logout', () => {
    it('logs out: the token is revoked and the profile gone', async () => {
      const { token } = JSON.parse(fs.readFileSync(profile, 'utf8')) as { token: string };
      await ok('logout');
      assert.ok(!fs.existsSync(profile));
      const r = await ctx.t.request('GET', '/ovirt-engine/api/vms', { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
      assert.equal(r.status, 401);
      const after = await hangar('ls', 'vms');
      assert.notEqual(after.code, 0);
      assert.match(after.stderr, /Not logged in/);
    });
  });
});
