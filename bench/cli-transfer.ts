// `hangar upload` and `hangar download` next to what a Python user runs, the official SDK's
// examples upload_disk.py and download_disk.py (ovirtsdk4 and the ovirt-imageio client), on one
// engine and the same qcow2 image: half random data in scattered extents, half holes. Each
// command runs whole as a child process (connect, disk, transfer, data, finalize), in rounds
// interleaved so that both see the same machine; MiB/s of guest data over the wall time, medians,
// Hangar's over the Python client's; each download of the first round compared with the source.
// Run with `npm run bench:cli-transfer`; BENCH_SIZE (MiB of virtual size, default 2048),
// BENCH_ROUNDS (default 3), BENCH_IMAGEIO (where build-ovirt-clients.sh built the clients,
// default /tmp/ovirt-clients).
import fs from 'node:fs';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { ADMIN_PASSWORD } from '../test/support/engine';
import { MIB, median, sh, startBench, stopBench, timed } from './support/engine';

const SIZE_MIB = Number(process.env.BENCH_SIZE ?? 2048);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BUILT = process.env.BENCH_IMAGEIO ?? '/tmp/ovirt-clients';
const HANGAR = path.join(__dirname, '..', 'sdk', 'cli', 'main.js');
/** The image is cut in this many slots, every other one data: scattered extents, half holes. */
const SLOTS = 512;

type Client = 'hangar' | 'imageio';
type Direction = 'upload' | 'download';

/**
 * A qcow2 image of `sizeMib` whose even slots hold random data (incompressible, as a guest's
 * files mostly are) and odd ones nothing; made raw, then converted, as users make their images.
 */
async function makeImage(work: string, sizeMib: number): Promise<string> {
  const raw = path.join(work, 'source.raw');
  const size = sizeMib * MIB;
  const slot = size / SLOTS;
  const fd = fs.openSync(raw, 'w');
  const data = Buffer.alloc(slot);
  for (let i = 0; i < SLOTS; i += 2) fs.writeSync(fd, randomFillSync(data), 0, slot, i * slot);
  fs.ftruncateSync(fd, size);
  fs.closeSync(fd);
  const image = path.join(work, 'source.qcow2');
  await sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, image]);
  fs.rmSync(raw);
  return image;
}

/** The bytes of guest data an image holds, as its allocation map tells. */
async function guestData(image: string): Promise<number> {
  const map = JSON.parse((await sh('qemu-img', ['map', '--output=json', image])).stdout) as { length: number; data: boolean }[];
  return map.filter((e) => e.data).reduce((n, e) => n + e.length, 0);
}

async function main(): Promise<void> {
  const bench = await startBench();
  const { t, api, caFile, work } = bench;
  try {
    const image = await makeImage(work, SIZE_MIB);
    const dataMib = (await guestData(image)) / MIB;
    console.log(`image: qcow2, ${SIZE_MIB} MiB virtual, ${dataMib.toFixed(0)} MiB of random data in ${SLOTS / 2} extents`);

    // The Python user's configuration, as the examples read it (~/.config/ovirt.conf).
    const home = path.join(work, 'home');
    fs.mkdirSync(path.join(home, '.config'), { recursive: true });
    fs.writeFileSync(path.join(home, '.config', 'ovirt.conf'), `[engine]\nengine_url = ${t.httpsBase}\nusername = admin@internal\npassword = ${ADMIN_PASSWORD}\ncafile = ${caFile}\n`);
    const examples = path.join(BUILT, 'sdk-src', 'examples');
    const python = (example: string, ...args: string[]) => sh('/usr/bin/python3', [path.join(examples, example), '-c', 'engine', ...args], { HOME: home, PYTHONPATH: path.join(BUILT, 'lib') });

    // hangar's profile, logged in once as a user does before the commands.
    const hangarEnv = { XDG_CONFIG_HOME: path.join(work, 'hangar-config') };
    const hangar = (...args: string[]) => sh(process.execPath, [HANGAR, ...args], hangarEnv);
    const passwordFile = path.join(work, 'password');
    fs.writeFileSync(passwordFile, `${ADMIN_PASSWORD}\n`);
    await hangar('login', `${t.httpsBase}/ovirt-engine/api`, '--user', 'admin@internal', '--password-file', passwordFile, '--ca-file', caFile);

    const uploads: Record<Client, (round: number) => Promise<unknown>> = {
      hangar: (round) => hangar('upload', image, '--storage-domain', 'bench', '--name', `hangar-${round}`, '-o', 'json'),
      imageio: () => python('upload_disk.py', '--sd-name', 'bench', '--disk-format', 'qcow2', '--disk-sparse', image),
    };
    const downloads: Record<Client, (disk: string, out: string) => Promise<unknown>> = {
      hangar: (disk, out) => hangar('download', disk, out, '-o', 'json'),
      imageio: (disk, out) => python('download_disk.py', disk, out),
    };

    const seconds = new Map<string, number[]>();
    /** Runs one command, timed; its pages written go to the disk before the next. */
    const once = async (direction: Direction, client: Client, round: number, run: () => Promise<unknown>) => {
      const s = (await timed(async () => {
        await run();
      })) / 1000;
      await sh('sync', []);
      const key = `${direction}|${client}`;
      seconds.set(key, [...(seconds.get(key) ?? []), s]);
      console.log(`round ${round + 1}, ${direction}, ${client}: ${s.toFixed(1)} s, ${(dataMib / s).toFixed(0)} MiB/s`);
    };

    for (let round = 0; round < ROUNDS; round++) {
      const order: Client[] = round % 2 ? ['imageio', 'hangar'] : ['hangar', 'imageio'];
      for (const client of order) await once('upload', client, round, () => uploads[client](round));
      // Both download the disk hangar made this round: the same disk, the same data.
      const disks = (JSON.parse((await hangar('ls', 'disks', '-o', 'json')).stdout) as { id: string; name: string }[]);
      const disk = disks.find((d) => d.name === `hangar-${round}`)!.id;
      for (const client of order) {
        const out = path.join(work, `${client}-download.qcow2`);
        await once('download', client, round, () => downloads[client](disk, out));
        if (round === 0) await sh('qemu-img', ['compare', '-q', image, out]);
        fs.rmSync(out);
      }
      if (round === 0) console.log('each download identical to the source for the guest (qemu-img compare): yes');
      // The round's disks go, so that the domain holds no more than one round's images.
      for (const d of disks) await api.call('DELETE', `/disks/${d.id}`);
    }

    console.log(`\nhangar and the Python SDK's examples (ovirtsdk4 4.6.3, ovirt-imageio client 2.5.2): qcow2 of ${SIZE_MIB} MiB with ${dataMib.toFixed(0)} MiB of data, medians of ${ROUNDS} interleaved rounds, whole commands`);
    console.log('| command | hangar s | Python s | hangar MiB/s | Python MiB/s | hangar / Python |');
    console.log('|---|---|---|---|---|---|');
    for (const direction of ['upload', 'download'] as Direction[]) {
      const [h, p] = (['hangar', 'imageio'] as Client[]).map((c) => median(seconds.get(`${direction}|${c}`)!));
      console.log(`| ${direction} | ${h.toFixed(1)} | ${p.toFixed(1)} | ${(dataMib / h).toFixed(0)} | ${(dataMib / p).toFixed(0)} | ${(p / h).toFixed(2)} |`);
    }
  } finally {
    await stopBench(bench);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
