// Full against incremental backup of a down VM's 2 GiB qcow2 disk (BENCH_MIB sets the size),
// full of random data: a full backup moves every data extent; then 64 MiB are written through an
// upload transfer (BENCH_CHANGED_MIB), in 16 MiB pieces spread over the disk, and an incremental
// backup moves only the dirty extents. Each backup is timed from its creation to its end
// (start, ready, download, finalize); the restored image (the full one with the incremental
// applied) is compared with the disk. Run with `npm run bench:backup`.
import fs from 'node:fs';
import path from 'node:path';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { ApiClient } from '../test/support/engine';
import { MIB, curl, downloadExtents, finalizeTransfer, pause, rate, sh, startBench, startTransfer, stopBench, timed } from './support/engine';

const SIZE_MIB = Number(process.env.BENCH_MIB ?? 2048);
const SIZE = SIZE_MIB * MIB;
const CHANGED_MIB = Number(process.env.BENCH_CHANGED_MIB ?? 64);
const PIECE = 16 * MIB;

async function waitBackup(api: ApiClient, vmId: unknown, backup: Obj, phase: string): Promise<Obj> {
  for (;;) {
    const now = XML.read(T.Backup, (await api.call('GET', `/vms/${String(vmId)}/backups/${String(backup.id)}`)).text);
    if (now.phase === phase) return now;
    if (now.phase === 'failed') throw new Error(`backup ${String(backup.id)} failed`);
    await pause(50);
  }
}

/** One backup of the disk, downloaded into `out`, from its creation to its end: the bytes moved. */
async function backUp(api: ApiClient, caFile: string, vmId: unknown, diskId: unknown, out: string, from?: string): Promise<{ backup: Obj; moved: number }> {
  const body = `<backup>${from ? `<from_checkpoint_id>${from}</from_checkpoint_id>` : ''}<disks><disk id="${String(diskId)}"/></disks></backup>`;
  const created = XML.read(T.Backup, (await api.call('POST', `/vms/${String(vmId)}/backups`, body)).text);
  const backup = await waitBackup(api, vmId, created, 'ready');
  const x = await startTransfer(api, diskId, 'download', `<format>raw</format><backup id="${String(backup.id)}"/>`);
  const moved = await downloadExtents(String(x.proxy_url), caFile, out, from ? 'dirty' : 'zero');
  await finalizeTransfer(api, x);
  await api.call('POST', `/vms/${String(vmId)}/backups/${String(backup.id)}/finalize`, '<action/>');
  return { backup: await waitBackup(api, vmId, backup, 'succeeded'), moved };
}

async function main(): Promise<void> {
  const bench = await startBench();
  const { api, caFile, work } = bench;
  try {
    const vm = XML.read(T.Vm, (await api.call('POST', '/vms', '<vm><name>bench</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>')).text);
    const attachment = XML.read(T.DiskAttachment, (await api.call('POST', `/vms/${String(vm.id)}/diskattachments`,
      `<disk_attachment><interface>virtio</interface><bootable>true</bootable><disk><name>bench</name><format>cow</format><backup>incremental</backup><provisioned_size>${SIZE}</provisioned_size><storage_domains><storage_domain><name>bench</name></storage_domain></storage_domains></disk></disk_attachment>`)).text);
    const diskId = (attachment.disk as Obj).id;
    while (XML.read(T.Disk, (await api.call('GET', `/disks/${String(diskId)}`)).text).status !== 'ok') await pause(50);
    const disk = XML.read(T.Disk, (await api.call('GET', `/disks/${String(diskId)}`)).text);
    const [sd] = XML.readList(T.StorageDomain, (await api.call('GET', '/storagedomains?search=name%3Dbench')).text);
    const volume = path.join(work, 'domain', String(sd.id), 'images', String(diskId), String(disk.image_id));

    // The disk full of random data, uploaded as guest data.
    const source = path.join(work, 'random.img');
    await sh('dd', ['if=/dev/urandom', `of=${source}`, 'bs=8M', `count=${SIZE_MIB / 8}`, 'status=none']);
    const fill = await startTransfer(api, diskId, 'upload', '<format>raw</format>');
    await curl(['--cacert', caFile, '-T', source, '-H', 'Expect:', String(fill.proxy_url)]);
    await finalizeTransfer(api, fill);
    fs.rmSync(source);

    const restored = path.join(work, 'restored.raw');
    let full = { backup: {} as Obj, moved: 0 };
    const fullMs = await timed(async () => {
      full = await backUp(api, caFile, vm.id, diskId, restored);
    });

    // What changes: pieces spread evenly over the disk, written through an upload transfer.
    const piece = path.join(work, 'piece.img');
    await sh('dd', ['if=/dev/urandom', `of=${piece}`, `bs=${PIECE}`, 'count=1', 'status=none']);
    const pieces = CHANGED_MIB / (PIECE / MIB);
    const up = await startTransfer(api, diskId, 'upload', '<format>raw</format>');
    for (let i = 0; i < pieces; i++) {
      const at = Math.floor(SIZE / pieces / PIECE) * PIECE * i;
      await curl(['--cacert', caFile, '-T', piece, '-H', 'Expect:', '-H', `Content-Range: bytes ${at}-${at + PIECE - 1}/*`, String(up.proxy_url)]);
    }
    await finalizeTransfer(api, up);

    let incremental = { backup: {} as Obj, moved: 0 };
    const incrementalMs = await timed(async () => {
      incremental = await backUp(api, caFile, vm.id, diskId, restored, String(full.backup.to_checkpoint_id));
    });
    await sh('qemu-img', ['compare', '-q', '-U', '-f', 'raw', '-F', 'qcow2', restored, volume]);

    const line = (what: string, ms: number, moved: number) =>
      console.log(`${what}: ${(ms / 1000).toFixed(2)} s, ${(moved / MIB).toFixed(0)} MiB moved (${rate(moved, ms).toFixed(0)} MiB/s)`);
    console.log(`backup of a down VM's ${SIZE_MIB} MiB qcow2 disk of random data, ${CHANGED_MIB} MiB changed between the backups`);
    line('full backup', fullMs, full.moved);
    line('incremental backup', incrementalMs, incremental.moved);
    console.log(`incremental against full: ${((incrementalMs / fullMs) * 100).toFixed(1)} % of the time, ${((incremental.moved / full.moved) * 100).toFixed(1)} % of the bytes; restored image identical: yes`);
  } finally {
    await stopBench(bench);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
