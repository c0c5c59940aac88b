// Disk images read in place inside a tar (an OVA's members): qemu-img opens a qcow2 member whose
// length is not a whole number of 512-byte sectors, as qemu-img convert may write one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memberImage, tarIndex, writeTar } from '../services/tar';

describe('tar members as images', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-tar-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens a qcow2 member that ends inside a sector, with its data', async () => {
    const image = path.join(dir, 'disk.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '4M']);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x7e 0 64k', image]);
    // Trailing bytes qcow2 ignores, so that the file's length is no multiple of 512.
    fs.appendFileSync(image, Buffer.alloc(160));
    assert.notEqual(fs.statSync(image).size % 512, 0);
    const ova = path.join(dir, 'disk.ova');
    await writeTar(ova, [{ name: 'vm.ovf', text: '<ovf/>' }], undefined, [{ name: 'disk', path: image }]);
    const member = (await tarIndex(ova)).find((m) => m.name === 'disk')!;
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', memberImage(ova, member)], { encoding: 'utf8' })) as { format: string; 'virtual-size': number };
    assert.deepEqual([info.format, info['virtual-size']], ['qcow2', 4 * 2 ** 20]);
    execFileSync('qemu-io', ['-r', '-c', 'read -P 0x7e 0 64k', memberImage(ova, member)]);
  });
});
