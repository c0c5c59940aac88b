// The qemu runtime against real guests: two host agents on this machine run the tiny test guest
// under KVM where /dev/kvm is usable (HANGAR_AGENT_KVM=off forces TCG), driven through the API.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import https from 'node:https';
import net from 'node:net';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as T from '../model/types';
import { JSON_FORMAT, Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { GuestStatistics } from '../model/agent-protocol';
import { ADMIN_PASSWORD, withEngine } from './support/engine';
import { restCalls } from './support/rest';
import { localDataDomains, volumeFileOf } from './support/domains';
import { until } from './support/until';
import { TestAgent } from './support/agents';
import { addUser, clientOf, give } from './support/users';
import { TinyGuest, hasQemu, tinyGuest } from './support/tiny-guest';

const MiB = 2 ** 20;
/** SPICE's link error for a channel that is served over TLS only. */
const SPICE_LINK_ERR_NEED_SECURED = 5;
/** A guest boots in a second or two under KVM and in tens of seconds under TCG. */
const BOOT_MS = 120_000;


/** The VNC password answer to a challenge: DES with the password's bits mirrored, as RFB has it. */
function vncResponse(password: string, challenge: Buffer): Buffer {
  // OpenSSL 3 keeps DES in its legacy provider, which a child Node process loads on request.
  const script = `const [k, c] = process.argv.slice(1).map((h) => Buffer.from(h, 'hex'));
    const d = require('crypto').createCipheriv('des-ecb', k, null); d.setAutoPadding(false);
    process.stdout.write(Buffer.concat([d.update(c), d.final()]).toString('hex'));`;
  const key = Buffer.alloc(8);
  Buffer.from(password).copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) key[i] = parseInt(key[i].toString(2).padStart(8, '0').split('').reverse().join(''), 2);
  return Buffer.from(execFileSync(process.execPath, ['--openssl-legacy-provider', '-e', script, key.toString('hex'), challenge.toString('hex')], { encoding: 'utf8' }), 'hex');
}

/** A connection to a console on loopback, in plain or over TLS, read a number of bytes at a time; undefined once it closed. */
function consoleSocket(port: number, secure?: tls.ConnectionOptions) {
  const socket = secure ? tls.connect({ host: '127.0.0.1', port, ...secure }) : net.connect(port, '127.0.0.1');
  let buffered = Buffer.alloc(0);
  const waiters: (() => void)[] = [];
  socket.on('data', (c: Buffer) => {
    buffered = Buffer.concat([buffered, c]);
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => undefined);
  const read = async (n: number): Promise<Buffer | undefined> => {
    while (buffered.length < n) {
      const more = new Promise<void>((r) => waiters.push(r));
      if ((await Promise.race([more.then(() => 'data'), closed.then(() => 'closed')])) === 'closed' && buffered.length < n) return undefined;
    }
    const out = buffered.subarray(0, n);
    buffered = buffered.subarray(n);
    return out;
  };
  return { socket, read };
}

/** Whether a VNC client gets in with `password` (RFB 3.8, VNC authentication). */
async function vncAdmits(port: number, password: string): Promise<boolean> {
  const { socket, read } = consoleSocket(port);
  try {
    if (!(await read(12))?.toString().startsWith('RFB ')) return false;
    socket.write('RFB 003.008\n');
    const count = (await read(1))?.[0];
    if (!count) return false;
    const types = await read(count);
    if (!types?.includes(2)) return false;
    socket.write(Buffer.from([2]));
    const challenge = await read(16);
    if (!challenge) return false;
    socket.write(vncResponse(password, challenge));
    const result = await read(4);
    return result !== undefined && result.readUInt32BE(0) === 0;
  } finally {
    socket.destroy();
  }
}

/**
 * How a SPICE client fares at the main channel with `password` (over TLS with `secure`): the ticket
 * goes RSA-OAEP encrypted with the server's key. A link refused answers SPICE's link error.
 */
async function spiceLink(port: number, password: string, secure?: tls.ConnectionOptions): Promise<'admitted' | 'refused' | 'needs TLS' | `link error ${number}`> {
  const { socket, read } = consoleSocket(port, secure);
  try {
    // SpiceLinkHeader (magic, version 2.2, size) and SpiceLinkMess for the main channel, no capabilities.
    const mess = Buffer.alloc(18);
    mess.writeUInt8(1, 4);
    mess.writeUInt32LE(18, 14);
    const header = Buffer.alloc(16);
    header.write('REDQ', 0);
    header.writeUInt32LE(2, 4);
    header.writeUInt32LE(2, 8);
    header.writeUInt32LE(mess.length, 12);
    socket.write(Buffer.concat([header, mess]));
    const replyHeader = await read(16);
    if (replyHeader?.subarray(0, 4).toString() !== 'REDQ') return 'refused';
    const reply = await read(replyHeader.readUInt32LE(12));
    if (!reply) return 'refused';
    const linkError = reply.readUInt32LE(0);
    if (linkError !== 0) return linkError === SPICE_LINK_ERR_NEED_SECURED ? 'needs TLS' : `link error ${linkError}`;
    const key = crypto.createPublicKey({ key: reply.subarray(4, 4 + 162), format: 'der', type: 'spki' });
    socket.write(crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING }, Buffer.from(`${password}\0`)));
    const result = await read(4);
    return result !== undefined && result.readUInt32LE(0) === 0 ? 'admitted' : 'refused';
  } finally {
    socket.destroy();
  }
}

/** The certificate a TLS port shows when verified with `options` as 127.0.0.1, or why verification failed. */
function tlsPeer(port: number, options: tls.ConnectionOptions): Promise<tls.PeerCertificate | string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate());
      socket.destroy();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(String(e.code)));
  });
}

/** The `[virt-viewer]` section of a `.vv` file, key by key. */
const virtViewerKeys = (file: string): Record<string, string> => Object.fromEntries(file.split('\n\n')[0].split('\n').filter((l) => l.includes('='))
  .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

(hasQemu ? describe : describe.skip)('the qemu runtime: real guests on host agents', function () {
  this.timeout(4 * BOOT_MS);
  const t = withEngine({ overrides: { runtime: 'qemu', agentPollMs: 200 }, format: JSON_FORMAT });
  const { post, get, act, list, send } = restCalls(() => t.api);
  const agents: TestAgent[] = [];
  let guest: TinyGuest;
  let domains: Record<string, Obj>;
  let storage: string;
  const hosts: Obj[] = [];

  /** Adds a host; the model's writer leaves secrets out, so the root password is written by hand. */
  const addHost = async (name: string, port: number, secret: string): Promise<Obj> => {
    const r = await t.api.call('POST', '/hosts', JSON.stringify({ name, address: '127.0.0.1', port, root_password: secret, cluster: { name: 'Default' } }));
    assert.equal(r.status, 201, r.text);
    return JSON_FORMAT.read(T.Host, r.text);
  };
  const hostUp = async (agent: TestAgent, name: string): Promise<Obj> => {
    const host = await addHost(name, agent.port, agent.secret);
    await until(async () => (await get(`/hosts/${String(host.id)}`, T.Host)).status === 'up', 60_000).catch(async (e: Error) => {
      const events = await list('/events?max=5', T.Event);
      throw new Error(`${e.message}: host ${name} is ${String((await get(`/hosts/${String(host.id)}`, T.Host)).status)}; ${events.map((v) => v.description).join(' / ')}`);
    });
    return get(`/hosts/${String(host.id)}`, T.Host);
  };
  const vmStatus = async (vm: Obj) => String((await get(`/vms/${String(vm.id)}`, T.Vm)).status);
  const statusIs = (vm: Obj, status: string, ms = BOOT_MS) => until(async () => (await vmStatus(vm)) === status, ms).catch(async (e: Error) => {
    const events = await list('/events?max=4', T.Event);
    throw new Error(`${e.message}: VM ${String(vm.name)} is ${await vmStatus(vm)}, not ${status}; ${events.map((v) => v.description).join(' / ')}`);
  });
  const agentOf = async (vm: Obj) => {
    const hostId = String(((await get(`/vms/${String(vm.id)}`, T.Vm)).host as Obj).id);
    return agents[hosts.findIndex((h) => h.id === hostId)];
  };
  const count = (text: string, line: string) => text.split('\n').filter((l) => l.trim() === line).length;
  /** What the guest last said after `prefix` on its serial console (its disks, NICs or CD). */
  const lastSaid = (agent: TestAgent, vm: Obj, prefix: string) => agent.serial(String(vm.id)).split('\n').filter((l) => l.startsWith(prefix)).pop()?.slice(prefix.length).trim();
  const lastTick = (text: string) => Math.max(0, ...text.split('\n').filter((l) => l.startsWith(guest.tickPrefix)).map((l) => Number(l.slice(guest.tickPrefix.length))));

  /** A VM of the tiny guest with a 1 MiB data disk, booting the kernel directly or from the ISO in its CD-ROM. */
  async function tinyVm(name: string, from: 'kernel' | 'cdrom'): Promise<Obj> {
    const os_ = from === 'kernel'
      ? { kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline, boot: { devices: ['hd'] } }
      : { boot: { devices: ['cdrom', 'hd'] } };
    const vm = await post('/vms', T.Vm, { name, cluster: { name: 'Default' }, template: { name: 'Blank' }, memory: 256 * MiB, os: os_ });
    const vmPath = `/vms/${String(vm.id)}`;
    await post(`${vmPath}/diskattachments`, T.DiskAttachment, {
      interface: 'virtio', active: true, bootable: false,
      disk: { name: `${name}-data`, provisioned_size: MiB, format: 'raw', storage_domains: [{ id: domains.data.id }] },
    });
    if (from === 'cdrom') {
      const [cd] = await list(`${vmPath}/cdroms`, T.Cdrom);
      await send('PUT', `${vmPath}/cdroms/${String(cd.id)}`, T.Cdrom, { file: { id: 'tiny-guest.iso' } }, 200);
    }
    return vm;
  }

  const started = async (vm: Obj) => {
    await act(`/vms/${String(vm.id)}`, 'start');
    await statusIs(vm, 'up');
    const agent = await agentOf(vm);
    await until(async () => agent.serial(String(vm.id)).includes(guest.readyLine), BOOT_MS);
    return agent;
  };

  /** Starts `vm`, migrates it to the other host and waits until it is up there: the agents it ran on. */
  const migratedAway = async (vm: Obj) => {
    const source = await started(vm);
    const from = String(((await get(`/vms/${String(vm.id)}`, T.Vm)).host as Obj).id);
    const to = hosts.find((h) => h.id !== from)!;
    await act(`/vms/${String(vm.id)}`, 'migrate', { host: { id: to.id } });
    await until(async () => String(((await get(`/vms/${String(vm.id)}`, T.Vm)).host as Obj)?.id) === to.id && (await vmStatus(vm)) === 'up', BOOT_MS).catch(async (e: Error) => {
      const events = await list('/events?max=6', T.Event);
      throw new Error(`${e.message}: VM ${await vmStatus(vm)}; ${events.map((v) => v.description).join(' / ')}`);
    });
    const target = await agentOf(vm);
    assert.notEqual(target, source);
    return { source, target };
  };

  before(async () => {
    guest = await tinyGuest();
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-qemu-'));
    agents.push(await TestAgent.start('one'), await TestAgent.start('two'));
    hosts.push(await hostUp(agents[0], 'host-one'), await hostUp(agents[1], 'host-two'));
    domains = await localDataDomains(t.api, JSON_FORMAT, storage, ['data']);
    fs.mkdirSync(path.join(storage, 'iso'));
    const iso = await post('/storagedomains', T.StorageDomain, { name: 'iso', type: 'iso', storage: { type: 'localfs', path: path.join(storage, 'iso') } });
    const [dc] = await list('/datacenters?search=name%3DDefault', T.DataCenter);
    await post(`/datacenters/${String(dc.id)}/storagedomains`, T.StorageDomain, { id: iso.id });
    const isoImages = path.join(storage, 'iso', String(iso.id), 'images', '11111111-1111-1111-1111-111111111111');
    fs.mkdirSync(isoImages, { recursive: true });
    fs.copyFileSync(guest.iso, path.join(isoImages, 'tiny-guest.iso'));
  });

  after(async () => {
    for (const a of agents) await a.destroy();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('enrolls each agent: its host is up with what the machine has', async () => {
    const [host] = hosts;
    assert.equal(Number(host.memory), os.totalmem());
    assert.equal(Number((host.cpu as Obj & { topology: Obj }).topology.cores) * Number((host.cpu as Obj & { topology: Obj }).topology.sockets) * Number((host.cpu as Obj & { topology: Obj }).topology.threads), os.cpus().length);
    assert.match(String((host.hardware_information as Obj).family), /^(KVM|TCG)$/);
    assert.match(String((host.version as Obj).full_version), /QEMU \d+\.\d+/);
  });

  it('boots a VM from its CD-ROM; the guest writes its disk and powers off on the ACPI button', async () => {
    const vm = await tinyVm('from-cd', 'cdrom');
    await started(vm);
    await act(`/vms/${String(vm.id)}`, 'shutdown');
    await statusIs(vm, 'down');
    const [attachment] = await list(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment);
    const disk = await get(`/disks/${String((attachment.disk as Obj).id)}`, T.Disk);
    const bytes = fs.readFileSync(volumeFileOf(storage, domains, disk)).subarray(0, guest.diskMarker.length).toString();
    assert.equal(bytes, guest.diskMarker);
    const events = await list('/events?max=20', T.Event);
    assert.ok(events.some((e) => e.code === 9202 && String(e.description).includes('from-cd')));
  });

  it('stops a VM at once, reboots a running one, and refuses to start a VM twice on its host', async () => {
    const vm = await tinyVm('lifecycle', 'kernel');
    const agent = await started(vm);
    await act(`/vms/${String(vm.id)}`, 'reboot');
    await until(async () => count(agent.serial(String(vm.id)), guest.readyLine) === 2, BOOT_MS);
    assert.equal(await vmStatus(vm), 'up');
    await act(`/vms/${String(vm.id)}`, 'start', {}, 409);
    const pid = agent.qemuPid(String(vm.id));
    await act(`/vms/${String(vm.id)}`, 'stop');
    assert.equal(await vmStatus(vm), 'down');
    await until(async () => !fs.existsSync(`/proc/${pid}`), 10_000);
  });

  it('answers 409 for a start its host refuses, and leaves the VM down', async () => {
    const vm = await tinyVm('no-kernel', 'kernel');
    await send('PUT', `/vms/${String(vm.id)}`, T.Vm, { os: { kernel: '/nonexistent/vmlinuz' } }, 200);
    const refused = await act(`/vms/${String(vm.id)}`, 'start', {}, 409);
    assert.match(String(refused.detail), /could not start VM .*could not open kernel file '\/nonexistent\/vmlinuz'/);
    assert.equal(await vmStatus(vm), 'down');
    assert.equal((await get(`/vms/${String(vm.id)}`, T.Vm)).host, undefined);
  });

  it('suspends a VM to a file on its domain and resumes it where it was', async () => {
    const vm = await tinyVm('suspended', 'kernel');
    const agent = await started(vm);
    await until(async () => lastTick(agent.serial(String(vm.id))) >= 2, BOOT_MS);
    await act(`/vms/${String(vm.id)}`, 'suspend');
    await statusIs(vm, 'suspended');
    const saved = path.join(storage, 'data', String(domains.data.id), 'memory', `${String(vm.id)}.state`);
    assert.ok(fs.statSync(saved).size > 0);
    const before = lastTick(agent.serial(String(vm.id)));
    await act(`/vms/${String(vm.id)}`, 'start');
    await statusIs(vm, 'up');
    const now = await agentOf(vm);
    // The restored guest counts on from where it stopped, without booting again.
    await until(async () => lastTick(now.serial(String(vm.id))) > 0, BOOT_MS);
    assert.equal(count(now.serial(String(vm.id)), guest.readyLine), 0);
    assert.ok(lastTick(now.serial(String(vm.id))) > before);
    // The running guest has left its saved state behind: the file is gone.
    await until(async () => !fs.existsSync(saved), 30_000);
    // Suspended again and powered off, it will not resume: its saved state goes too.
    await act(`/vms/${String(vm.id)}`, 'suspend');
    await statusIs(vm, 'suspended');
    assert.ok(fs.existsSync(saved));
    await act(`/vms/${String(vm.id)}`, 'stop');
    assert.equal(fs.existsSync(saved), false);
  });

  it('resumes a suspended guest that had a disk plugged while it ran, the disk still in it', async () => {
    const vm = await tinyVm('suspended-plugged', 'kernel');
    const agent = await started(vm);
    const lastDisks = (a: TestAgent) => lastSaid(a, vm, guest.disksPrefix);
    await until(async () => lastDisks(agent) === 'vda', BOOT_MS);
    const plugged = await post(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, {
      interface: 'virtio', active: true, disk: { name: 'plugged-then-saved', provisioned_size: MiB, format: 'raw', storage_domains: [{ id: domains.data.id }] },
    });
    await until(async () => lastDisks(agent) === 'vda vdb', BOOT_MS);
    await act(`/vms/${String(vm.id)}`, 'suspend');
    await statusIs(vm, 'suspended');
    const before = lastTick(agent.serial(String(vm.id)));
    await act(`/vms/${String(vm.id)}`, 'start');
    await statusIs(vm, 'up');
    const now = await agentOf(vm);
    await until(async () => lastTick(now.serial(String(vm.id))) > before, BOOT_MS);
    assert.equal(count(now.serial(String(vm.id)), guest.readyLine), 0);
    // The restored guest has the disk where it was: unplugging it takes it out of the guest.
    await send('PUT', `/vms/${String(vm.id)}/diskattachments/${String(plugged.id)}`, T.DiskAttachment, { active: false }, 200);
    await until(async () => lastDisks(now) === 'vda', BOOT_MS);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('migrates a running VM booted from its CD; the guest goes on there', async () => {
    const vm = await tinyVm('migrating-cd', 'cdrom');
    const { target } = await migratedAway(vm);
    const before = lastTick(target.serial(String(vm.id)));
    await until(async () => lastTick(target.serial(String(vm.id))) > before, BOOT_MS);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('migrates a running VM to the other host; the guest goes on there', async () => {
    const vm = await tinyVm('migrating', 'kernel');
    const { source } = await migratedAway(vm);
    // Its serial console, read through the API, goes on on the target, without a new boot.
    const consolePath = `/vms/${String(vm.id)}/serialconsoles/serial0`;
    await until(async () => lastTick(String((await get(consolePath, T.SerialConsole)).log ?? '')) > 0, BOOT_MS);
    const read = await get(consolePath, T.SerialConsole);
    assert.equal(count(String(read.log), guest.readyLine), 0);
    assert.equal(Number(read.size), Buffer.byteLength(String(read.log)));
    const later = await get(`${consolePath}?offset=${String(read.size)}`, T.SerialConsole);
    assert.equal(Number(later.offset), Number(read.size));
    assert.ok(!String(later.log).includes(String(read.log).split('\n')[0]));
    await until(async () => !fs.existsSync(source.guestDir(String(vm.id))), 10_000);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('plugs disks into a running guest and unplugs them; the guest sees and writes them', async () => {
    const vm = await tinyVm('plugging', 'kernel');
    const agent = await started(vm);
    const lastDisks = () => lastSaid(agent, vm, guest.disksPrefix);
    await until(async () => lastDisks() === 'vda', BOOT_MS);
    const plugged = await post(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment, {
      interface: 'virtio', active: true, disk: { name: 'plugged', provisioned_size: MiB, format: 'raw', storage_domains: [{ id: domains.data.id }] },
    });
    await until(async () => lastDisks() === 'vda vdb', BOOT_MS);
    const disk = await get(`/disks/${String(plugged.id)}`, T.Disk);
    await until(async () => fs.readFileSync(volumeFileOf(storage, domains, disk)).subarray(0, guest.diskMarker.length).toString() === guest.diskMarker, BOOT_MS);
    await send('PUT', `/vms/${String(vm.id)}/diskattachments/${String(plugged.id)}`, T.DiskAttachment, { active: false }, 200);
    await until(async () => lastDisks() === 'vda', BOOT_MS);
    // A SATA disk cannot be plugged into a running guest: refused, and nothing is made or attached.
    const refused = await t.api.call('POST', `/vms/${String(vm.id)}/diskattachments`, JSON_FORMAT.write(T.DiskAttachment, {
      interface: 'sata', active: true, disk: { name: 'not-pluggable', provisioned_size: MiB, format: 'raw', storage_domains: [{ id: domains.data.id }] },
    }));
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.text, /cannot be plugged into a running guest/);
    assert.deepEqual(await list('/disks?search=name%3Dnot-pluggable', T.Disk), []);
    assert.equal((await list(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment)).length, 2);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('plugs NICs into a running guest and unplugs them', async () => {
    const vm = await tinyVm('networked', 'kernel');
    const agent = await started(vm);
    const lastNics = () => lastSaid(agent, vm, guest.nicsPrefix);
    await until(async () => lastNics() === '', BOOT_MS);
    const nic = await post(`/vms/${String(vm.id)}/nics`, T.Nic, { name: 'nic1', interface: 'virtio' });
    const mac = String((nic.mac as Obj).address);
    await until(async () => lastNics() === mac, BOOT_MS);
    await send('PUT', `/vms/${String(vm.id)}/nics/${String(nic.id)}`, T.Nic, { plugged: false }, 200);
    await until(async () => lastNics() === '', BOOT_MS);
    await send('PUT', `/vms/${String(vm.id)}/nics/${String(nic.id)}`, T.Nic, { plugged: true }, 200);
    await until(async () => lastNics() === mac, BOOT_MS);
    await t.api.call('DELETE', `/vms/${String(vm.id)}/nics/${String(nic.id)}`);
    await until(async () => lastNics() === '', BOOT_MS);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('unplugs the disk and NIC a guest started with, and plugs them in again', async () => {
    const vm = await tinyVm('cold-plugged', 'kernel');
    const nic = await post(`/vms/${String(vm.id)}/nics`, T.Nic, { name: 'nic1', interface: 'virtio' });
    const mac = String((nic.mac as Obj).address);
    const agent = await started(vm);
    const disks = () => lastSaid(agent, vm, guest.disksPrefix);
    const nics = () => lastSaid(agent, vm, guest.nicsPrefix);
    await until(async () => disks() === 'vda' && nics() === mac, BOOT_MS);
    const [attachment] = await list(`/vms/${String(vm.id)}/diskattachments`, T.DiskAttachment);
    const attachmentPath = `/vms/${String(vm.id)}/diskattachments/${String(attachment.id)}`;
    await send('PUT', attachmentPath, T.DiskAttachment, { active: false }, 200);
    await until(async () => disks() === '', BOOT_MS);
    await send('PUT', `/vms/${String(vm.id)}/nics/${String(nic.id)}`, T.Nic, { plugged: false }, 200);
    await until(async () => nics() === '', BOOT_MS);
    await send('PUT', attachmentPath, T.DiskAttachment, { active: true }, 200);
    await send('PUT', `/vms/${String(vm.id)}/nics/${String(nic.id)}`, T.Nic, { plugged: true }, 200);
    await until(async () => disks() === 'vda' && nics() === mac, BOOT_MS);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('migrates a guest whose devices were plugged and unplugged since it started; the target has them where the source had them', async () => {
    const vm = await tinyVm('replugged', 'kernel');
    const vmPath = `/vms/${String(vm.id)}`;
    const first = await post(`${vmPath}/nics`, T.Nic, { name: 'nic1', interface: 'virtio' });
    const source = await started(vm);
    await until(async () => lastSaid(source, vm, guest.disksPrefix) === 'vda', BOOT_MS);
    // Plugged in, the disk and NIC take ports after the NIC; the data disk then leaves the first port
    // free: not the layout the VM's devices would get at a start.
    const plugged = await post(`${vmPath}/diskattachments`, T.DiskAttachment, {
      interface: 'virtio', active: true, disk: { name: 'replugged-hot', provisioned_size: MiB, format: 'raw', storage_domains: [{ id: domains.data.id }] },
    });
    const second = await post(`${vmPath}/nics`, T.Nic, { name: 'nic2', interface: 'virtio' });
    const macs = [first, second].map((n) => String((n.mac as Obj).address));
    await until(async () => lastSaid(source, vm, guest.disksPrefix) === 'vda vdb' && lastSaid(source, vm, guest.nicsPrefix)?.split(' ').sort().join(' ') === [...macs].sort().join(' '), BOOT_MS);
    const cold = (await list(`${vmPath}/diskattachments`, T.DiskAttachment)).find((a) => a.id !== plugged.id)!;
    await send('PUT', `${vmPath}/diskattachments/${String(cold.id)}`, T.DiskAttachment, { active: false }, 200);
    await until(async () => lastSaid(source, vm, guest.disksPrefix) === 'vdb', BOOT_MS);
    const from = String(((await get(vmPath, T.Vm)).host as Obj).id);
    const to = hosts.find((h) => h.id !== from)!;
    await act(vmPath, 'migrate', { host: { id: to.id } });
    await until(async () => String(((await get(vmPath, T.Vm)).host as Obj)?.id) === to.id && (await vmStatus(vm)) === 'up', BOOT_MS).catch(async (e: Error) => {
      const events = await list('/events?max=6', T.Event);
      throw new Error(`${e.message}: VM ${await vmStatus(vm)}; ${events.map((v) => v.description).join(' / ')}`);
    });
    const target = await agentOf(vm);
    await until(async () => lastTick(target.serial(String(vm.id))) > 0, BOOT_MS);
    // On the target, each device is the one the guest had: unplugging the plugged disk and the first NIC takes those away.
    await send('PUT', `${vmPath}/diskattachments/${String(plugged.id)}`, T.DiskAttachment, { active: false }, 200);
    await until(async () => lastSaid(target, vm, guest.disksPrefix) === '', BOOT_MS);
    await send('PUT', `${vmPath}/nics/${String(first.id)}`, T.Nic, { plugged: false }, 200);
    await until(async () => lastSaid(target, vm, guest.nicsPrefix) === macs[1], BOOT_MS);
    await act(vmPath, 'stop');
  });

  it('changes the CD of a running guest', async () => {
    const other = path.join(storage, 'iso', String((await list('/storagedomains?search=name%3Diso', T.StorageDomain))[0].id), 'images', '11111111-1111-1111-1111-111111111111', 'other.iso');
    const content = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-cd-'));
    fs.writeFileSync(path.join(content, 'readme.txt'), 'another CD\n');
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-volid', 'HANGARCD2', '-output', other, content], { stdio: 'ignore' });
    fs.rmSync(content, { recursive: true, force: true });
    const vm = await tinyVm('cd-change', 'kernel');
    const [cd] = await list(`/vms/${String(vm.id)}/cdroms`, T.Cdrom);
    await send('PUT', `/vms/${String(vm.id)}/cdroms/${String(cd.id)}`, T.Cdrom, { file: { id: 'tiny-guest.iso' } }, 200);
    const agent = await started(vm);
    const lastCd = () => lastSaid(agent, vm, guest.cdPrefix);
    await until(async () => lastCd() === 'ISOIMAGE', BOOT_MS);
    await send('PUT', `/vms/${String(vm.id)}/cdroms/${String(cd.id)}?current=true`, T.Cdrom, { file: { id: 'other.iso' } }, 200);
    await until(async () => lastCd() === 'HANGARCD2', BOOT_MS);
    await send('PUT', `/vms/${String(vm.id)}/cdroms/${String(cd.id)}?current=true`, T.Cdrom, { file: { id: '' } }, 200);
    await until(async () => lastCd() === '', BOOT_MS);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('takes live snapshots, with and without memory; a preview with memory runs on from the snapshot', async () => {
    const vm = await tinyVm('snapshotted', 'kernel');
    const agent = await started(vm);
    const vmPath = `/vms/${String(vm.id)}`;
    const serial = () => agent.serial(String(vm.id));
    await until(async () => lastTick(serial()) >= 2, BOOT_MS);
    const [attachment] = await list(`${vmPath}/diskattachments`, T.DiskAttachment);
    const diskPath = `/disks/${String((attachment.disk as Obj).id)}`;
    const pid = agent.qemuPid(String(vm.id));
    const opened = () => fs.readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } });
    await post(`${vmPath}/snapshots`, T.Snapshot, { description: 'disks only' });
    // The guest writes to the new volume now, and runs on.
    const active = volumeFileOf(storage, domains, await get(diskPath, T.Disk));
    assert.ok(opened().includes(active), `QEMU has not opened ${active}`);
    const ticks = lastTick(serial());
    await until(async () => lastTick(serial()) > ticks + 1, BOOT_MS);
    assert.equal(await vmStatus(vm), 'up');
    const withMemory = await post(`${vmPath}/snapshots`, T.Snapshot, { description: 'with memory', persist_memorystate: true });
    const atSnapshot = lastTick(serial());
    assert.equal(withMemory.persist_memorystate, true);
    assert.ok(fs.statSync(path.join(storage, 'data', String(domains.data.id), 'memory', `${String(withMemory.id)}.state`)).size > 0);
    await until(async () => lastTick(serial()) > atSnapshot + 3, BOOT_MS);
    const beforeStop = lastTick(serial());
    await act(vmPath, 'stop');
    await act(vmPath, 'previewsnapshot', { snapshot: { id: withMemory.id }, restore_memory: true });
    await act(vmPath, 'start');
    await statusIs(vm, 'up');
    const now = await agentOf(vm);
    await until(async () => lastTick(now.serial(String(vm.id))) > 0, BOOT_MS);
    // The guest did not boot: it counts on from where it was at the snapshot, not at the stop.
    const resumed = now.serial(String(vm.id));
    assert.equal(count(resumed, guest.readyLine), 0);
    const first = Number(resumed.split('\n').find((l) => l.startsWith(guest.tickPrefix))!.slice(guest.tickPrefix.length));
    assert.ok(first > atSnapshot - 2 && first < beforeStop, `first tick ${first}: snapshot at ${atSnapshot}, stopped at ${beforeStop}`);
    await act(vmPath, 'stop');
    await act(vmPath, 'commitsnapshot');
    assert.deepEqual((await list(`${vmPath}/snapshots`, T.Snapshot)).map((x) => x.description).sort(), ['Active VM', 'disks only', 'with memory'].sort());
  });

  it('unplugs a plugged disk a live snapshot put a new volume over, and plugs it in again', async () => {
    const vm = await tinyVm('layered', 'kernel');
    const agent = await started(vm);
    const vmPath = `/vms/${String(vm.id)}`;
    const disks = () => lastSaid(agent, vm, guest.disksPrefix);
    const plugged = await post(`${vmPath}/diskattachments`, T.DiskAttachment, {
      interface: 'virtio', active: true, disk: { name: 'layered-plugged', provisioned_size: MiB, format: 'raw', storage_domains: [{ id: domains.data.id }] },
    });
    await until(async () => disks() === 'vda vdb', BOOT_MS);
    await post(`${vmPath}/snapshots`, T.Snapshot, { description: 'a layer' });
    const attachmentPath = `${vmPath}/diskattachments/${String(plugged.id)}`;
    await send('PUT', attachmentPath, T.DiskAttachment, { active: false }, 200);
    await until(async () => disks() === 'vda', BOOT_MS);
    await send('PUT', attachmentPath, T.DiskAttachment, { active: true }, 200);
    await until(async () => disks() === 'vda vdb', BOOT_MS);
    await act(vmPath, 'stop');
  });

  it('reports what the guest uses: memory from its balloon, and CPU time', async () => {
    const vm = await tinyVm('measured', 'kernel');
    await started(vm);
    const figure = async (name: string) => Number(((await list(`/vms/${String(vm.id)}/statistics`, T.Statistic)).find((x) => x.name === name)?.values as Obj[])[0].datum);
    // The balloon gives the guest all its memory back: used is all of it, not a guess.
    await until(async () => (await figure('memory.used')) === 256 * MiB, 30_000);
    await until(async () => (await figure('cpu.current.total')) > 0, 30_000);
    // Its serial console is read as the VM is: a user without a role on it is not shown it.
    const consolePath = `/vms/${String(vm.id)}/serialconsoles/serial0`;
    const admin = await clientOf(t.t, 'admin@internal', ADMIN_PASSWORD, false);
    const joe = await addUser(admin, 'serial-joe', 'serial-joe-pass');
    const asJoe = await clientOf(t.t, 'serial-joe@internal-authz', 'serial-joe-pass');
    assert.equal((await asJoe.call('GET', consolePath)).status, 404);
    await give(admin, `/vms/${String(vm.id)}`, 'UserRole', joe);
    const read = await asJoe.call('GET', consolePath);
    assert.equal(read.status, 200, read.text);
    assert.match(read.text, new RegExp(guest.readyLine));
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('shows what the guest agent reports: OS, host name, time zone and the NICs\' addresses; a guest without an agent shows none', async () => {
    const silent = await tinyVm('agentless', 'kernel');
    await send('PUT', `/vms/${String(silent.id)}`, T.Vm, { os: { cmdline: `${guest.cmdline} ${guest.withoutGuestAgent}` } }, 200);
    await started(silent);
    const vm = await tinyVm('reporting', 'kernel');
    const vmPath = `/vms/${String(vm.id)}`;
    const nic = await post(`${vmPath}/nics`, T.Nic, { name: 'nic1', interface: 'virtio' });
    await started(vm);
    await until(async () => (await get(vmPath, T.Vm)).guest_operating_system !== undefined, BOOT_MS);
    const read = await get(vmPath, T.Vm);
    assert.equal(read.fqdn, guest.hostname);
    const os_ = read.guest_operating_system as ObjOf<typeof T.GuestOperatingSystem>;
    assert.equal(os_.distribution, guest.os.name);
    assert.equal(os_.codename, `${guest.os.versionId} (${guest.os.codename})`);
    assert.equal(os_.family, 'Linux');
    assert.equal(os_.architecture, 'x86_64');
    assert.deepEqual([os_.version?.full_version, os_.version?.major, os_.version?.minor], [guest.os.versionId, 1, 0]);
    // Debian's kernel, as the guest's uname tells it: "6.1.0-57-amd64".
    assert.match(String(os_.kernel?.version?.full_version), /^\d+\.\d+\.\d+-\d+-amd64$/);
    assert.equal(os_.kernel?.version?.major, Number(String(os_.kernel?.version?.full_version).split('.')[0]));
    assert.deepEqual(read.guest_time_zone, { name: 'UTC', utc_offset: '+00:00' });
    // The guest's interface is the VM's NIC, by its MAC address, with the address the guest gave it.
    const devices = (await list(`${vmPath}/reporteddevices`, T.ReportedDevice)) as ObjOf<typeof T.ReportedDevice>[];
    assert.deepEqual(devices.map((d) => [d.name, d.type, d.mac?.address]), [['eth0', 'network', (nic.mac as Obj).address]]);
    assert.ok(devices[0].ips?.some((ip) => ip.address === guest.address && ip.version === 'v4'), JSON.stringify(devices[0].ips));
    assert.deepEqual(await get(`${vmPath}/reporteddevices/${String(devices[0].id)}`, T.ReportedDevice), devices[0]);
    // The NIC's own reported devices: those with its MAC address; a NIC the VM lacks is not found.
    const nicPath = `${vmPath}/nics/${String(nic.id)}`;
    assert.deepEqual(await list(`${nicPath}/reporteddevices`, T.ReportedDevice), devices);
    assert.deepEqual(await get(`${nicPath}/reporteddevices/${String(devices[0].id)}`, T.ReportedDevice), devices[0]);
    assert.equal((await t.api.call('GET', `${vmPath}/nics/00000000-0000-0000-0000-00000000abcd/reporteddevices`)).status, 404);
    assert.deepEqual((await list(`/vms?search=fqdn%3D${guest.hostname}`, T.Vm)).map((v) => v.id), [vm.id]);
    // The agentless guest was up before the other booted, and has had as many rounds: it shows nothing.
    const quiet = await get(`/vms/${String(silent.id)}`, T.Vm);
    assert.deepEqual([quiet.status, quiet.fqdn, quiet.guest_operating_system, quiet.guest_time_zone], ['up', undefined, undefined, undefined]);
    assert.deepEqual(await list(`/vms/${String(silent.id)}/reporteddevices`, T.ReportedDevice), []);
    // Down, the VM has no guest to report anything.
    await act(vmPath, 'stop');
    const down = await get(vmPath, T.Vm);
    assert.deepEqual([down.fqdn, down.guest_operating_system, down.guest_time_zone], [undefined, undefined, undefined]);
    assert.deepEqual(await list(`${vmPath}/reporteddevices`, T.ReportedDevice), []);
    await act(`/vms/${String(silent.id)}`, 'stop');
  });

  it('places VMs by the memory hosts report they can give, and refuses one no host can hold', async () => {
    const huge = await post('/vms', T.Vm, { name: 'huge', cluster: { name: 'Default' }, template: { name: 'Blank' }, memory: Math.floor(os.totalmem() * 0.98 / MiB) * MiB, os: { boot: { devices: ['network'] } } });
    const refused = await act(`/vms/${String(huge.id)}`, 'start', {}, 409);
    assert.match(String(refused.detail), /memory free/);
    assert.equal(await vmStatus(huge), 'down');
  });

  describe('migrations that do not complete', () => {
    const clusterPath = async () => `/clusters/${String((await list('/clusters?search=name%3DDefault', T.Cluster))[0].id)}`;
    // At 1 Mbps the guest's state takes minutes to go: long enough to cancel or break the move.
    before(async () => void (await send('PUT', await clusterPath(), T.Cluster, { migration: { bandwidth: { assignment_method: 'custom', custom_value: 1 } } }, 200)));
    after(async () => void (await send('PUT', await clusterPath(), T.Cluster, { migration: { bandwidth: { assignment_method: 'auto' } } }, 200)));

    /** Starts moving a running VM to the other host: the VM's path, its source's agent and the target's, and the move's job. */
    const moving = async (name: string) => {
      const vm = await tinyVm(name, 'kernel');
      const source = await started(vm);
      const vmPath = `/vms/${String(vm.id)}`;
      const from = String(((await get(vmPath, T.Vm)).host as Obj).id);
      const to = hosts.find((h) => h.id !== from)!;
      const job = (await act(vmPath, 'migrate', { host: { id: to.id } })).job as Obj;
      const target = agents[hosts.indexOf(to)];
      return { vm, vmPath, from, source, target, jobPath: `/jobs/${String(job.id)}` };
    };

    it('cancels a migration under way: the VM stays up on its host, the move\'s job is aborted and the target\'s guest goes', async () => {
      const { vm, vmPath, from, source, target, jobPath } = await moving('cancelled');
      assert.equal(await vmStatus(vm), 'migrating');
      assert.ok(fs.existsSync(target.guestDir(String(vm.id))), 'the target waits for the guest');
      const cancel = (await act(vmPath, 'cancelmigration')).job as Obj;
      await statusIs(vm, 'up', 30_000);
      const stayed = await get(vmPath, T.Vm);
      assert.equal((stayed.host as Obj).id, from);
      assert.equal(stayed.migration_target, undefined);
      assert.equal((await get(jobPath, T.Job)).status, 'aborted');
      assert.equal((await get(`/jobs/${String(cancel.id)}`, T.Job)).status, 'finished');
      const events = await list('/events?max=10', T.Event);
      assert.ok(events.some((e) => e.code === 9210 && (e.vm as Obj | undefined)?.id === vm.id), JSON.stringify(events.map((e) => e.description)));
      await until(async () => !fs.existsSync(target.guestDir(String(vm.id))), 30_000);
      // The guest runs on where it was.
      const ticks = lastTick(source.serial(String(vm.id)));
      await until(async () => lastTick(source.serial(String(vm.id))) > ticks, 30_000);
      // Nothing to cancel any more: refused, as oVirt refuses it.
      const refused = await act(vmPath, 'cancelmigration', {}, 409);
      assert.match(String(refused.detail), /it is up/);
      await act(vmPath, 'stop');
    });

    it('keeps the VM up on its host with an error event when the target fails during the move', async () => {
      const { vm, vmPath, from, source, target, jobPath } = await moving('broken-move');
      process.kill(target.qemuPid(String(vm.id)), 'SIGKILL');
      await statusIs(vm, 'up', 60_000);
      assert.equal(((await get(vmPath, T.Vm)).host as Obj).id, from);
      assert.equal((await get(jobPath, T.Job)).status, 'failed');
      const events = await list('/events?max=10', T.Event);
      const failed = events.find((e) => e.code === 65 && (e.vm as Obj | undefined)?.id === vm.id);
      assert.ok(failed, JSON.stringify(events.map((e) => e.description)));
      assert.equal(failed.severity, 'error');
      assert.match(String(failed.description), /^Migration failed.*\(VM: broken-move, Source: host-/);
      await until(async () => !fs.existsSync(target.guestDir(String(vm.id))), 30_000);
      const ticks = lastTick(source.serial(String(vm.id)));
      await until(async () => lastTick(source.serial(String(vm.id))) > ticks, 30_000);
      await act(vmPath, 'stop');
    });
  });

  it('moves a host to maintenance once its VMs have migrated away', async () => {
    const vm = await tinyVm('evacuated', 'kernel');
    await started(vm);
    const from = String(((await get(`/vms/${String(vm.id)}`, T.Vm)).host as Obj).id);
    await act(`/hosts/${from}`, 'deactivate');
    await until(async () => (await get(`/hosts/${from}`, T.Host)).status === 'maintenance', BOOT_MS).catch(async (e: Error) => {
      const events = await list('/events?max=6', T.Event);
      throw new Error(`${e.message}: host is ${String((await get(`/hosts/${from}`, T.Host)).status)}, VM ${await vmStatus(vm)}; ${events.map((v) => v.description).join(' / ')}`);
    });
    const moved = await get(`/vms/${String(vm.id)}`, T.Vm);
    assert.equal(moved.status, 'up');
    assert.notEqual((moved.host as Obj).id, from);
    await act(`/hosts/${from}`, 'activate');
    await until(async () => (await get(`/hosts/${from}`, T.Host)).status === 'up', 30_000);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('keeps guests running when their agent is killed, and the restarted agent adopts them', async () => {
    const vm = await tinyVm('adopted', 'kernel');
    const agent = await started(vm);
    const pid = agent.qemuPid(String(vm.id));
    await agent.kill();
    const hostId = String(((await get(`/vms/${String(vm.id)}`, T.Vm)).host as Obj).id);
    await until(async () => (await get(`/hosts/${hostId}`, T.Host)).status === 'non_responsive', 30_000);
    assert.equal(await vmStatus(vm), 'unknown');
    const ticks = lastTick(agent.serial(String(vm.id)));
    await until(async () => lastTick(agent.serial(String(vm.id))) > ticks, 10_000);
    await agent.run();
    assert.match(agent.output, /1 guests adopted|[1-9]\d* guests adopted/);
    await until(async () => (await get(`/hosts/${hostId}`, T.Host)).status === 'up', 30_000);
    await statusIs(vm, 'up', 30_000);
    assert.equal(agent.qemuPid(String(vm.id)), pid);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('brings a VM down with an error event when its QEMU is killed', async () => {
    const vm = await tinyVm('crashing', 'kernel');
    const agent = await started(vm);
    process.kill(agent.qemuPid(String(vm.id)), 'SIGKILL');
    await statusIs(vm, 'down', 30_000);
    const events = await list('/events?max=20', T.Event);
    assert.ok(events.some((e) => e.code === 119 && String(e.description).includes('crashing') && String(e.description).includes('SIGKILL')), JSON.stringify(events.map((e) => e.description)));
  });

  it('opens the VNC console with its ticket only, until the ticket expires', async () => {
    const vm = await tinyVm('console', 'kernel');
    await started(vm);
    const [console_] = await list(`/vms/${String(vm.id)}/graphicsconsoles`, T.GraphicsConsole);
    const port = Number(console_.port);
    assert.ok(port >= 5900);
    assert.equal(await vncAdmits(port, 'anything'), false);
    await act(`/vms/${String(vm.id)}/graphicsconsoles/${String(console_.id)}`, 'ticket', { ticket: { value: 'let-me-in', expiry: 2 } });
    assert.equal(await vncAdmits(port, 'let-me-in'), true);
    assert.equal(await vncAdmits(port, 'wrong-one'), false);
    await until(async () => !(await vncAdmits(port, 'let-me-in')), 10_000);
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('serves a SPICE console over TLS with the host\'s enrolled certificate, opened with its ticket only', async () => {
    const vm = await tinyVm('spice', 'kernel');
    const consolesPath = `/vms/${String(vm.id)}/graphicsconsoles`;
    for (const c of await list(consolesPath, T.GraphicsConsole)) await t.api.call('DELETE', `${consolesPath}/${String(c.id)}`);
    await post(consolesPath, T.GraphicsConsole, { protocol: 'spice' });
    const agent = await started(vm);
    const consoles = await list(consolesPath, T.GraphicsConsole);
    const spice = consoles.find((c) => c.protocol === 'spice')!;
    const [port, tlsPort] = [Number(spice.port), Number(spice.tls_port)];
    assert.ok(port > 0 && tlsPort > 0 && port !== tlsPort, JSON.stringify(consoles));
    const consolePath = `${consolesPath}/${String(spice.id)}`;
    const vv = virtViewerKeys(String((await act(consolePath, 'remoteviewerconnectionfile')).remote_viewer_connection_file));
    const ca = fs.readFileSync(path.join(t.t.config.dataDir, 'pki', 'ca.pem'), 'utf8');
    assert.deepEqual([vv.port, vv['tls-port'], vv.ca.replace(/\\n/g, '\n')], [String(port), String(tlsPort), ca.trim().replace(/\r\n/g, '\n')]);
    assert.equal(vv['secure-channels'], 'main;inputs;cursor;playback;record;display;smartcard;usbredir');
    // Verified against the engine's CA, the TLS port shows the certificate the host's agent was enrolled with, named as the file says.
    const peer = await tlsPeer(tlsPort, { ca });
    assert.ok(typeof peer !== 'string', `TLS verification failed: ${String(peer)}`);
    assert.equal(peer.fingerprint256, new crypto.X509Certificate(fs.readFileSync(path.join(agent.dir, 'pki', 'agent.pem'))).fingerprint256);
    assert.equal(vv['host-subject'], Object.entries(peer.subject).map(([k, v]) => `${k}=${String(v)}`).join(','));
    assert.match(vv['host-subject'], /^CN=hangar-agent host-(one|two)$/);
    // A client that does not trust the engine's CA cannot verify the chain, which ends in that CA.
    assert.equal(await tlsPeer(tlsPort, {}), 'SELF_SIGNED_CERT_IN_CHAIN');
    const secure = { ca };
    // The .vv's ticket opens it; other passwords do not, and the plain port sends the main channel to TLS.
    assert.equal(await spiceLink(tlsPort, vv.password, secure), 'admitted');
    assert.equal(await spiceLink(port, vv.password), 'needs TLS');
    await act(consolePath, 'ticket', { ticket: { value: 'spice-in', expiry: 60 } });
    assert.equal(await spiceLink(tlsPort, 'spice-in', secure), 'admitted');
    assert.equal(await spiceLink(tlsPort, 'spice-out', secure), 'refused');
    assert.equal(await spiceLink(tlsPort, vv.password, secure), 'refused');
    await act(`/vms/${String(vm.id)}`, 'stop');
  });

  it('puts a NIC whose network is named as a host bridge on a tap the agent makes on that bridge, and takes the tap away with the NIC', async function () {
    if (process.getuid?.() !== 0) this.skip();
    // A bridge of the test's own, with the host's end of the guests' subnet on it.
    const bridge = `hgbr${process.pid % 100000}`;
    execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
    try {
      execFileSync('ip', ['addr', 'add', '10.0.2.1/24', 'dev', bridge]);
      execFileSync('ip', ['link', 'set', bridge, 'up']);
      const [dc] = await list('/datacenters?search=name%3DDefault', T.DataCenter);
      const [cluster] = await list('/clusters?search=name%3DDefault', T.Cluster);
      const network = await post('/networks', T.Network, { name: bridge, data_center: { id: dc.id } });
      await post(`/clusters/${String(cluster.id)}/networks`, T.Network, { id: network.id });
      const [profile] = await list(`/networks/${String(network.id)}/vnicprofiles`, T.VnicProfile);
      const vm = await tinyVm('bridged', 'kernel');
      const vmPath = `/vms/${String(vm.id)}`;
      const nic = await post(`${vmPath}/nics`, T.Nic, { name: 'nic1', interface: 'virtio', vnic_profile: { id: profile.id } });
      const tapOf = (n: Obj) => `hgt${String(n.id).replace(/-/g, '').slice(0, 12)}`;
      const masterOf = (tap: string) => { try { return path.basename(fs.readlinkSync(`/sys/class/net/${tap}/master`)); } catch { return undefined; } };
      await started(vm);
      const vmHost = (await get(vmPath, T.Vm)).host;
      assert.equal(masterOf(tapOf(nic)), bridge);
      // The guest answers on the bridge: its kernel refuses a connection to a closed port at once.
      const answers = () => new Promise<boolean>((resolve) => {
        const s = net.connect({ host: guest.address, port: 9, timeout: 1000 });
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
        s.once('timeout', () => (s.destroy(), resolve(false)));
      });
      await until(answers, BOOT_MS);
      // What went through the tap is what the host counts for the NIC: the guest sent what the tap received.
      const pki = path.join(t.t.config.dataDir, 'pki');
      const stats = await new Promise<GuestStatistics>((resolve, reject) => {
        https.get({
          host: '127.0.0.1', port: agents[hosts.findIndex((h) => h.id === ((vmHost as Obj).id))].port, path: `/guests/${String(vm.id)}/statistics`,
          cert: fs.readFileSync(path.join(pki, 'engine-client.pem')), key: fs.readFileSync(path.join(pki, 'engine-client.key')), rejectUnauthorized: false,
        }, (r) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => resolve(JSON.parse(text) as GuestStatistics));
        }).once('error', reject);
      });
      const counted = stats.nics.find((n) => n.id === nic.id)!;
      const tapBytes = (name: string) => Number(fs.readFileSync(`/sys/class/net/${tapOf(nic)}/statistics/${name}`, 'utf8'));
      assert.ok(counted.txBytes > 0 && counted.txBytes <= tapBytes('rx_bytes'), JSON.stringify(counted));
      assert.ok(counted.rxBytes > 0 && counted.rxBytes <= tapBytes('tx_bytes'), JSON.stringify(counted));
      // The engine serves them as the NIC's statistics once it has asked the agent.
      const figure = async (name: string) => {
        const found = (await list(`${vmPath}/nics/${String(nic.id)}/statistics`, T.Statistic)).find((x) => x.name === name);
        return Number((found?.values as Obj[] | undefined)?.[0]?.datum ?? 0);
      };
      await until(async () => (await figure('data.total.tx')) > 0 && (await figure('data.total.rx')) > 0, 30_000);
      assert.ok((await figure('data.total.tx')) <= tapBytes('rx_bytes'));
      assert.ok((await figure('data.total.rx')) <= tapBytes('tx_bytes'));
      // A NIC plugged in later gets its tap too, and loses it unplugged.
      const second = await post(`${vmPath}/nics`, T.Nic, { name: 'nic2', interface: 'virtio', vnic_profile: { id: profile.id } });
      await until(async () => masterOf(tapOf(second)) === bridge, BOOT_MS);
      await send('PUT', `${vmPath}/nics/${String(second.id)}`, T.Nic, { plugged: false }, 200);
      await until(async () => !fs.existsSync(`/sys/class/net/${tapOf(second)}`), BOOT_MS);
      await act(vmPath, 'stop');
      await until(async () => !fs.existsSync(`/sys/class/net/${tapOf(nic)}`), 30_000);
    } finally {
      execFileSync('ip', ['link', 'del', bridge]);
    }
  });

  it('runs QEMU as the user HANGAR_AGENT_QEMU_USER names: the guest boots, takes a live snapshot, is suspended and resumed, and takes a plugged disk', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const agent = await TestAgent.start('unprivileged', { HANGAR_AGENT_QEMU_USER: 'nobody' });
    agents.push(agent);
    const host = await hostUp(agent, 'host-unprivileged');
    hosts.push(host);
    // The user reaches the domain's files through directories it may enter, as oVirt's storage must let vdsm's.
    fs.chmodSync(storage, 0o755);
    const vm = await tinyVm('unprivileged', 'kernel');
    const vmPath = `/vms/${String(vm.id)}`;
    await act(vmPath, 'start', { host: { id: host.id } });
    await statusIs(vm, 'up');
    await until(async () => agent.serial(String(vm.id)).includes(guest.readyLine), BOOT_MS);
    const uid = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
    assert.equal(uid(agent.qemuPid(String(vm.id))), nobody);
    // A live snapshot's new volumes, and a saved state's socket, are opened by that user too.
    await post(`${vmPath}/snapshots`, T.Snapshot, { description: 'unprivileged layer' });
    assert.equal(await vmStatus(vm), 'up');
    await act(vmPath, 'suspend');
    await statusIs(vm, 'suspended');
    await act(vmPath, 'start', { host: { id: host.id } });
    await statusIs(vm, 'up');
    await until(async () => lastTick(agent.serial(String(vm.id))) > 0, BOOT_MS);
    assert.equal(count(agent.serial(String(vm.id)), guest.readyLine), 0);
    assert.equal(uid(agent.qemuPid(String(vm.id))), nobody);
    // A disk plugged in later is opened by QEMU as that user.
    const plugged = await post(`${vmPath}/diskattachments`, T.DiskAttachment, {
      interface: 'virtio', active: true, disk: { name: 'unprivileged-plugged', provisioned_size: MiB, format: 'raw', storage_domains: [{ id: domains.data.id }] },
    });
    const disk = await get(`/disks/${String(plugged.id)}`, T.Disk);
    await until(async () => lastSaid(agent, vm, guest.disksPrefix) === 'vda vdb', BOOT_MS);
    await until(async () => fs.readFileSync(volumeFileOf(storage, domains, disk)).subarray(0, guest.diskMarker.length).toString() === guest.diskMarker, BOOT_MS);
    await act(vmPath, 'stop');
  });

  it('refuses to start an agent whose HANGAR_AGENT_QEMU_USER names no user', async function () {
    if (process.getuid?.() !== 0) this.skip();
    await assert.rejects(TestAgent.start('no-such-user', { HANGAR_AGENT_QEMU_USER: 'hangar-no-such-user' }), /HANGAR_AGENT_QEMU_USER names no user of this host: 'hangar-no-such-user'/);
  });

  describe('certificates', () => {
    it('refuses an agent enrolled with the wrong secret: the host is install_failed, with why', async () => {
      const agent = await TestAgent.start('wrong');
      agents.push(agent);
      const host = await addHost('host-wrong', agent.port, 'not-the-secret');
      await until(async () => (await get(`/hosts/${String(host.id)}`, T.Host)).status === 'install_failed', 30_000);
      const events = await list('/events?max=20', T.Event);
      assert.ok(events.some((e) => e.code === 505 && String(e.description).includes('secret')));
    });

    it('an enrolled agent refuses at TLS any caller without the engine\'s client certificate', async () => {
      const outcome = (options: tls.ConnectionOptions) => new Promise<string>((resolve) => {
        const s = tls.connect({ host: '127.0.0.1', port: agents[0].port, rejectUnauthorized: false, ...options });
        s.once('secureConnect', () => {
          s.write('GET /guests HTTP/1.1\r\nHost: x\r\n\r\n');
        });
        s.once('data', (d) => resolve(d.toString().split('\r\n')[0]));
        s.once('error', () => resolve('refused'));
        s.once('close', () => resolve('refused'));
      });
      assert.equal(await outcome({}), 'refused');
      // The engine's own server certificate is signed by the same CA, but is not the engine's client.
      const pki = path.join(t.t.config.dataDir, 'pki');
      assert.equal(await outcome({ cert: fs.readFileSync(path.join(pki, 'server.pem')), key: fs.readFileSync(path.join(pki, 'server.key')) }), 'refused');
      assert.match(await outcome({ cert: fs.readFileSync(path.join(pki, 'engine-client.pem')), key: fs.readFileSync(path.join(pki, 'engine-client.key')) }), /^HTTP\/1.1 200/);
    });

    it('does not take another agent for an enrolled one: the host stops answering', async () => {
      const agent = await TestAgent.start('replaced');
      agents.push(agent);
      const host = await hostUp(agent, 'host-replaced');
      await agent.kill();
      // A new agent at the same address, with a key and certificate of its own, is not the enrolled one.
      fs.rmSync(path.join(agent.dir, 'pki'), { recursive: true, force: true });
      await agent.run();
      await until(async () => (await get(`/hosts/${String(host.id)}`, T.Host)).status === 'non_responsive', 30_000);
    });
  });
});
