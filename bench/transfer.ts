// Upload and download throughput through the image proxy, next to the ceiling measured in the
// same run: a plain copy of the same file on the same disk (`dd … conv=fsync`). A 2 GiB random
// image moves with curl, as bytes of a raw disk (over TLS, and over the Unix socket the proxy
// offers local clients) and as guest data of a qcow2 disk (format=raw, through qemu-nbd); a 2 GiB sparse image (64 MiB of data) downloads through its extents. For
// scale, curl's own copy of the file (file:// to a file, synced) and downloads to /dev/null show
// what the client and the proxy each can do. With BENCH_IMAGEIO=<dir> (where
// build-ovirt-clients.sh built the imageio daemon and client), the proxy then runs in a process of
// its own next to the real imageio daemon (support/side-by-side.ts; BENCH_ROUNDS rounds, default
// 3). Run with `npm run bench:transfer` (BENCH_MIB sets the size, default 2048).
import fs from 'node:fs';
import path from 'node:path';
import * as T from '../model/types';
import { Obj, XML } from '../model/codec';
import { sideBySide } from './support/side-by-side';
import { MIB, curl, downloadExtents, finalizeTransfer, rate, sh, startBench, stopBench, timed, waitTransfer } from './support/engine';

const SIZE_MIB = Number(process.env.BENCH_MIB ?? 2048);
const SIZE = SIZE_MIB * MIB;

async function main(): Promise<void> {
  const bench = await startBench();
  const { t, api, caFile, work } = bench;
  // The engine (API and proxy) runs in this process: its resident memory, sampled while images
  // move, shows whether it stays flat whatever the image size.
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const source = path.join(work, 'random.img');
    await sh('dd', ['if=/dev/urandom', `of=${source}`, 'bs=8M', `count=${SIZE_MIB / 8}`, 'status=none']);
    const ceiling = rate(SIZE, await timed(async () => {
      await sh('dd', [`if=${source}`, `of=${path.join(work, 'copy.img')}`, 'bs=8M', 'conv=fsync', 'status=none']);
    }));
    fs.rmSync(path.join(work, 'copy.img'));
    console.log(`ceiling: plain copy of ${SIZE_MIB} MiB on the same disk: ${ceiling.toFixed(0)} MiB/s`);

    const clientCeiling = rate(SIZE, await timed(async () => {
      await curl(['-o', path.join(work, 'copy.img'), `file://${source}`]);
      await sh('sync', ['-d', path.join(work, 'copy.img')]);
    }));
    fs.rmSync(path.join(work, 'copy.img'));
    console.log(`curl's own copy of the file (file:// to a file, synced): ${clientCeiling.toFixed(0)} MiB/s = ${((clientCeiling / ceiling) * 100).toFixed(0)} % of the ceiling`);

    const finalize = (x: Obj) => finalizeTransfer(api, x);
    const percent = (r: number) => `${r.toFixed(0)} MiB/s = ${((r / ceiling) * 100).toFixed(0)} % of the ceiling`;
    // What a client on the proxy's machine may use instead of TLS, as OPTIONS offers it.
    const unixSocket = (JSON.parse((await curl(['--cacert', caFile, '-X', 'OPTIONS', `https://${t.config.publicHost}:${t.config.proxyPort}/images/*`])).stdout) as { unix_socket: string }).unix_socket;
    const cases = [
      { format: 'raw', wire: '', local: false },
      { format: 'raw', wire: '', local: true },
      { format: 'cow', wire: 'raw', local: false },
    ];
    for (const { format, wire, local } of cases) {
      const what = `${wire ? `guest data of a ${format} disk, format=${wire}` : `${format} disk`}${local ? ', over the local Unix socket' : ''}`;
      const disk = XML.read(T.Disk, (await api.call('POST', '/disks', `<disk><name>bench-${format}</name><format>${format}</format><provisioned_size>${SIZE}</provisioned_size><storage_domains><storage_domain><name>bench</name></storage_domain></storage_domains></disk>`)).text);
      const add = async (direction: string) => waitTransfer(api, XML.read(T.ImageTransfer, (await api.call('POST', '/imagetransfers', `<image_transfer><disk id="${disk.id}"/><direction>${direction}</direction>${wire ? `<format>${wire}</format>` : ''}</image_transfer>`)).text), 'transferring');
      /** curl's arguments to reach a transfer's image: TLS with the engine CA, or the Unix socket. */
      const at = (x: Obj) => (local ? ['--unix-socket', unixSocket, `http://localhost${new URL(String(x.proxy_url)).pathname}`] : ['--cacert', caFile, String(x.proxy_url)]);

      const up = await add('upload');
      const upload = rate(SIZE, await timed(async () => {
        await curl(['-T', source, '-H', 'Expect:', ...at(up)]);
      }));
      await finalize(up);
      console.log(`upload (curl, random data, ${what}): ${percent(upload)}`);

      const down = await add('download');
      const target = path.join(work, 'down.img');
      const download = rate(SIZE, await timed(async () => {
        await curl(['-o', target, ...at(down)]);
        await sh('sync', ['-d', target]);
      }));
      await sh('cmp', [source, target]);
      fs.rmSync(target);
      console.log(`download (curl, random data, ${what}): ${percent(download)}; identical: yes`);
      if (!local) {
        const proxyOnly = rate(SIZE, await timed(async () => {
          await curl(['-o', '/dev/null', ...at(down)]);
        }));
        console.log(`download to /dev/null (${what}): ${percent(proxyOnly)}`);
      }
      await finalize(down);
    }
    fs.rmSync(source);
    // Measured before the sparse download, whose client runs in this process too.
    console.log(`engine resident memory: ${(baseline / MIB).toFixed(0)} MiB at start, ${(peak / MIB).toFixed(0)} MiB at most while the ${SIZE_MIB} MiB images moved with curl`);

    // A sparse image: 64 MiB of data in four places of a mostly empty disk.
    const sparse = XML.read(T.Disk, (await api.call('POST', '/disks', `<disk><name>sparse</name><format>raw</format><provisioned_size>${SIZE}</provisioned_size><storage_domains><storage_domain><name>bench</name></storage_domain></storage_domains></disk>`)).text);
    const sup = await waitTransfer(api, XML.read(T.ImageTransfer, (await api.call('POST', '/imagetransfers', `<image_transfer><disk id="${sparse.id}"/><direction>upload</direction></image_transfer>`)).text), 'transferring');
    const piece = path.join(work, 'piece.img');
    await sh('dd', ['if=/dev/urandom', `of=${piece}`, 'bs=16M', 'count=1', 'status=none']);
    for (let i = 0; i < 4; i++) {
      const at = Math.floor((SIZE / 4) * i);
      await curl(['--cacert', caFile, '-T', piece, '-H', 'Expect:', '-H', `Content-Range: bytes ${at}-${at + 16 * MIB - 1}/*`, String(sup.proxy_url)]);
    }
    await finalize(sup);
    const sdown = await waitTransfer(api, XML.read(T.ImageTransfer, (await api.call('POST', '/imagetransfers', `<image_transfer><disk id="${sparse.id}"/><direction>download</direction></image_transfer>`)).text), 'transferring');
    const sparseOut = path.join(work, 'sparse.img');
    const sparseRate = rate(SIZE, await timed(async () => {
      await downloadExtents(String(sdown.proxy_url), caFile, sparseOut);
    }));
    await finalize(sdown);
    console.log(`sparse download through extents: ${SIZE_MIB} MiB of virtual size at ${sparseRate.toFixed(0)} MiB/s = ${((sparseRate / ceiling) * 100).toFixed(0)} % of the ceiling (faster than the virtual size allows: ${sparseRate > ceiling ? 'yes' : 'no'})`);
    const imageio = process.env.BENCH_IMAGEIO;
    if (imageio) await sideBySide(imageio, work, SIZE_MIB, Number(process.env.BENCH_ROUNDS ?? 3));

  } finally {
    clearInterval(sampler);
    await stopBench(bench);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
