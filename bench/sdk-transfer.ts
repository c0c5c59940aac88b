// The SDK's image transfers against the Python imageio client, on the same image and the same
// engine: the guest data of a qcow2 image (random data, BENCH_MIB MiB, default 2048) uploaded to a
// new qcow2 disk and downloaded into a new local qcow2 (format=raw transfers, through qemu-nbd on
// both ends), each client with its defaults (4 workers, the proxy's Unix socket when local), in
// interleaved rounds (BENCH_ROUNDS, default 3); medians of the data-plane time, MiB/s and the
// SDK's ratio. The engine runs in a process of its own, so neither client shares its event loop.
// BENCH_IMAGEIO=<dir> names where build-ovirt-clients.sh built the clients (its `lib`).
// Run with `npm run bench:sdk-transfer`.
import fs from 'node:fs';
import path from 'node:path';
import { Connection, downloadImage, uploadImage } from '../sdk';
import { MIB, median, rate, sh, startBench, stopBench, timed } from './support/engine';
import { ADMIN_PASSWORD, spawnSibling } from '../test/support/engine';

const SIZE_MIB = Number(process.env.BENCH_MIB ?? 2048);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IMAGEIO = process.env.BENCH_IMAGEIO;

/** The imageio client's upload or download, in Debian's Python with the built client on its path. */
const imageio = (code: string, args: string[]) =>
  sh('/usr/bin/python3', ['-c', `import sys\nfrom ovirt_imageio import client\n${code}`, ...args], { PYTHONPATH: path.join(IMAGEIO!, 'lib') });

async function main(): Promise<void> {
  if (!IMAGEIO) throw new Error('Set BENCH_IMAGEIO to the directory build-ovirt-clients.sh built the clients in');
  const bench = await startBench();
  const { t, caFile, work } = bench;
  // The engine goes on in a process of its own, on the same database and data domain.
  await t.stopServing();
  const engine = await spawnSibling(t);
  const conn = await Connection.open({ url: engine.base, username: 'admin@internal', password: ADMIN_PASSWORD, caFile });
  try {
    const raw = path.join(work, 'random.raw');
    const image = path.join(work, 'random.qcow2');
    await sh('dd', ['if=/dev/urandom', `of=${raw}`, 'bs=8M', `count=${SIZE_MIB / 8}`, 'status=none']);
    await sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, image]);
    fs.rmSync(raw);
    const sys = conn.system();
    const disk = await sys.disks().add({ name: 'bench-sdk', format: 'cow', provisioned_size: SIZE_MIB * MIB, sparse: true, storage_domains: [{ name: 'bench' }] });
    const transfers = sys.imagetransfers();
    /** Times `move` with a transfer of the disk's guest data, made before and finalized after. */
    const round = async (direction: 'upload' | 'download', move: (url: string) => Promise<unknown>) => {
      while ((await sys.disks().disk(String(disk.id)).get()).status !== 'ok') await new Promise((r) => setTimeout(r, 50));
      const made = await transfers.add({ disk: { id: disk.id }, direction, format: 'raw' });
      const loc = transfers.imageTransfer(String(made.id));
      let x = await loc.get();
      while (x.phase !== 'transferring') x = await loc.get();
      const ms = await timed(async () => void (await move(String(x.proxy_url))));
      await loc.finalize();
      while (!String((await loc.get()).phase).startsWith('finished')) await new Promise((r) => setTimeout(r, 50));
      return ms;
    };
    const out = path.join(work, 'out.qcow2');
    const clients = {
      sdk: {
        upload: (url: string) => uploadImage(url, image, { ca: conn.ca, fresh: true }),
        download: (url: string) => downloadImage(url, out, { ca: conn.ca }),
      },
      imageio: {
        upload: (url: string) => imageio('client.upload(sys.argv[1], sys.argv[2], sys.argv[3], disk_is_zero=True)', [image, url, caFile]),
        download: (url: string) => imageio('client.download(sys.argv[1], sys.argv[2], sys.argv[3])', [url, out, caFile]),
      },
    };
    const times: Record<string, number[]> = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const direction of ['upload', 'download'] as const) {
        for (const [name, client] of Object.entries(clients)) {
          fs.rmSync(out, { force: true });
          (times[`${name} ${direction}`] ??= []).push(await round(direction, client[direction]));
        }
      }
    }
    console.log(`${SIZE_MIB} MiB of random guest data in a qcow2 image, ${ROUNDS} rounds, medians of the data-plane time:`);
    for (const direction of ['upload', 'download']) {
      const [sdk, py] = ['sdk', 'imageio'].map((n) => rate(SIZE_MIB * MIB, median(times[`${n} ${direction}`])));
      console.log(`${direction}: SDK ${sdk.toFixed(0)} MiB/s, imageio client ${py.toFixed(0)} MiB/s, ratio ${(sdk / py).toFixed(2)}`);
    }
  } finally {
    await conn.close();
    await engine.stop();
    await t.serve();
    await stopBench(bench);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
