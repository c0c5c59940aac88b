// The tiny guest with its memory in use, for migrations that have something to move: its own
// initramfs followed by a second one (the kernel unpacks each in turn) holding random data, which
// lands in the guest's RAM-backed root file system, and a first program that keeps rewriting part
// of it, then runs the tiny guest's init as PID 1. The idle tiny guest alone leaves its memory
// zero, which QEMU sends as next to nothing.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TinyGuest } from '../../test/support/tiny-guest';
import { sh } from './engine';
import { Boot } from './qemu-engine';

const FIRST_PROGRAM = 'bench-init';

/** Rewrites `hotMiB` of the data once a second; busybox's applets are not installed yet. */
const firstProgram = (hotMiB: number) => `#!/bin/busybox sh
# First program of the runtime benchmark's busy guest (bench/support/busy-guest.ts).
( while :; do
  /bin/busybox dd if=/payload of=/hot bs=1M count=${hotMiB} conv=notrunc 2>/hot.log
  /bin/busybox sleep 1
done ) &
exec /init
`;

/**
 * Writes, in `dir`, the busy guest's initramfs with `payloadMiB` of random data, `hotMiB` of
 * which are rewritten once a second, and answers how to boot it.
 */
export async function busyGuest(guest: TinyGuest, dir: string, payloadMiB: number, hotMiB: number): Promise<Boot> {
  const stage = path.join(dir, 'busy-stage');
  fs.mkdirSync(stage, { recursive: true });
  fs.writeFileSync(path.join(stage, FIRST_PROGRAM), firstProgram(hotMiB), { mode: 0o755 });
  await sh('dd', ['if=/dev/urandom', `of=${path.join(stage, 'payload')}`, 'bs=1M', `count=${payloadMiB}`, 'status=none']);
  const initrd = path.join(dir, 'busy-initrd');
  fs.copyFileSync(guest.initrd, initrd);
  // An uncompressed segment starts on a 4-byte boundary; the kernel skips the zeros before it.
  fs.appendFileSync(initrd, Buffer.alloc((4 - (fs.statSync(initrd).size % 4)) % 4));
  const archive = path.join(dir, 'busy.cpio');
  // busybox's cpio applet writes the "newc" format the kernel reads.
  await sh('sh', ['-c', 'cd "$1" && printf "%s\\n" "$2" payload | busybox cpio -o -H newc > "$3"', 'cpio', stage, FIRST_PROGRAM, archive]);
  await pipeline(fs.createReadStream(archive), fs.createWriteStream(initrd, { flags: 'a' }));
  fs.rmSync(stage, { recursive: true, force: true });
  fs.rmSync(archive);
  return { initrd, cmdline: `${guest.cmdline} rdinit=/${FIRST_PROGRAM}` };
}
