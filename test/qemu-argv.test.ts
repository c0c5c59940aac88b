// The PCIe layout of a guest's command line: each virtio disk and NIC on a root port of its own,
// spare ports after them, and a layout given by a migration's source kept as it is.
import assert from 'node:assert/strict';
import { GuestSpec } from '../model/agent-protocol';
import { ROOT_PORTS, RunningNic, SPARE_PORTS, netdevName, netdevOf, portLayout, qemuArgv } from '../agent/qemu-argv';

const DISK = '11111111-1111-1111-1111-111111111111';
const SATA = '22222222-2222-2222-2222-222222222222';
const NIC1 = '33333333-3333-3333-3333-333333333333';
const NIC2 = '44444444-4444-4444-4444-444444444444';

const spec = (o: Partial<GuestSpec> = {}): GuestSpec => ({
  id: '55555555-5555-5555-5555-555555555555', name: 'layout', memoryMiB: 64, cpu: { sockets: 1, cores: 1, threads: 1 },
  disks: [
    { id: DISK, file: '/d/disk', format: 'raw', interface: 'virtio', readOnly: false },
    { id: SATA, file: '/d/sata', format: 'raw', interface: 'sata', readOnly: false },
  ],
  cdrom: {}, nics: [{ id: NIC1, mac: '56:6f:00:00:00:01', model: 'virtio' }, { id: NIC2, mac: '56:6f:00:00:00:02', model: 'e1000' }],
  display: 'none', ...o,
});

const argvOf = (s: GuestSpec) => qemuArgv(s, { qmp: '/r/qmp.sock', serialLog: '/r/serial.log', guestAgent: '/r/qga.sock' }, { kvm: false, consoleBind: '127.0.0.1' });
/** The `-device` arguments of a command line. */
const devices = (argv: string[]) => argv.flatMap((a, i) => (argv[i - 1] === '-device' ? [a] : []));

describe('the PCIe layout of a guest', () => {
  it('puts each virtio disk and NIC on a root port of its own, in the spec\'s order, with spare ports after them', () => {
    assert.deepEqual(portLayout(spec()), [DISK, NIC1, NIC2, ...Array<null>(ROOT_PORTS - 3).fill(null)]);
    const d = devices(argvOf(spec()));
    const ports = d.filter((x) => x.startsWith('pcie-root-port,'));
    assert.equal(ports.length, ROOT_PORTS);
    // Fixed addresses, eight functions to a slot, so that the same layout makes the same machine.
    assert.equal(ports[0], 'pcie-root-port,id=port0,chassis=1,bus=pcie.0,addr=0x10.0,multifunction=on');
    assert.equal(ports[9], 'pcie-root-port,id=port9,chassis=10,bus=pcie.0,addr=0x11.1');
    assert.ok(d.some((x) => x.startsWith('virtio-blk-pci,bus=port0,') && x.includes(`id=dev-${DISK}`)));
    assert.ok(d.some((x) => x.startsWith('virtio-net-pci,') && x.includes(`id=nic-${NIC1}`) && x.includes('bus=port1')));
    assert.ok(d.some((x) => x.startsWith('e1000,') && x.includes(`id=nic-${NIC2}`) && x.includes('bus=port2')));
    assert.ok(d.some((x) => x.startsWith('ide-hd,bus=ide.0,') && x.includes(`id=dev-${SATA}`)));
  });

  it('leaves spare ports however many devices the guest has', () => {
    const nics = Array.from({ length: ROOT_PORTS }, (_, i) => ({ id: `nic-${i}`, mac: `56:6f:00:00:01:${i.toString(16).padStart(2, '0')}`, model: 'virtio' as const }));
    const layout = portLayout(spec({ nics }));
    assert.equal(layout.length, ROOT_PORTS + 1 + SPARE_PORTS);
    assert.equal(layout.filter((p) => p === null).length, SPARE_PORTS);
  });

  it('keeps the layout a migration\'s source gives, devices plugged and unplugged since its start included', () => {
    const given = [null, NIC1, DISK, null, NIC2, null];
    assert.deepEqual(portLayout(spec({ ports: given })), given);
    const d = devices(argvOf(spec({ ports: given })));
    assert.equal(d.filter((x) => x.startsWith('pcie-root-port,')).length, given.length);
    assert.ok(d.some((x) => x.startsWith('virtio-blk-pci,bus=port2,')));
    assert.ok(d.some((x) => x.includes(`id=nic-${NIC2}`) && x.includes('bus=port4')));
  });

  it('refuses a layout that does not match the guest\'s devices', () => {
    assert.throws(() => portLayout(spec({ ports: [DISK, NIC1, null] })), /does not match its devices: no port for 44444444/);
    assert.throws(() => portLayout(spec({ ports: [DISK, NIC1, NIC2, SATA] })), /ports hold 22222222.*not one device each/);
    assert.throws(() => portLayout(spec({ ports: [DISK, NIC1, NIC2, NIC1] })), /ports hold 33333333/);
  });

  it('refuses more devices than the machine has ports for', () => {
    const nics = Array.from({ length: 120 }, (_, i) => ({ id: `nic-${i}`, mac: '56:6f:00:00:02:00', model: 'virtio' as const }));
    assert.throws(() => portLayout(spec({ nics })), /at most 116 virtio disks and NICs, not 121/);
  });
});

describe('the network backends and guest agent channel of a guest', () => {
  const files = { qmp: '/r/qmp.sock', serialLog: '/r/serial.log', guestAgent: '/r/qga.sock' };
  const values = (argv: string[], option: string) => argv.flatMap((a, i) => (argv[i - 1] === option ? [a] : []));

  it('puts a NIC the agent made a tap for on that tap, QEMU running no scripts, and the others on user networking', () => {
    const s = spec();
    const running: RunningNic[] = [{ ...s.nics[0], tap: 'hgt333333333333' }, s.nics[1]];
    const argv = qemuArgv({ ...s, nics: running }, files, { kvm: false, consoleBind: '127.0.0.1' });
    assert.deepEqual(values(argv, '-netdev'), [`tap,id=${netdevName(NIC1)},ifname=hgt333333333333,script=no,downscript=no`, `user,id=${netdevName(NIC2)}`]);
    assert.deepEqual(netdevOf(running[0]), { type: 'tap', id: netdevName(NIC1), ifname: 'hgt333333333333', script: 'no', downscript: 'no' });
  });

  it('gives every guest the virtio-serial port qemu-guest-agent answers on, served on the socket in its files', () => {
    const argv = argvOf(spec());
    assert.deepEqual(values(argv, '-chardev'), ['socket,id=qga0,path=/r/qga.sock,server=on,wait=off']);
    assert.ok(devices(argv).includes('virtserialport,bus=virtio-serial0.0,chardev=qga0,name=org.qemu.guest_agent.0'));
  });

  it('lets QEMU change its ids only when it is to drop to a user', () => {
    const sandbox = (argv: string[]) => values(argv, '-sandbox')[0];
    assert.match(sandbox(argvOf(spec())), /elevateprivileges=deny/);
    const dropping = qemuArgv(spec(), files, { kvm: false, consoleBind: '127.0.0.1', runAs: { name: 'qemu', uid: 107, gid: 107 } });
    assert.match(sandbox(dropping), /elevateprivileges=allow/);
    assert.deepEqual(values(dropping, '-runas'), ['qemu']);
  });
});
