// Hangar's proxy next to the real ovirt-imageio daemon: the same file, the same clients (curl and
// the imageio client, over TLS and over the Unix socket), rounds interleaved so that both see the
// same machine, medians of the rounds; throughput and the server's CPU seconds per GiB, with
// Hangar's figure over imageio's, and each server's peak memory with four uploads at once.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataServer, startHangarProxy, startImageio } from './data-servers';
import { MIB, median, sh } from './engine';

type Direction = 'upload' | 'download';

interface Scenario {
  name: string;
  direction: Direction;
  /** Runs the client on ticket `id` of `server`; `image` is the file to send, or the one to write. */
  client(server: DataServer, id: string, image: string): Promise<unknown>;
}

export async function sideBySide(built: string, work: string, sizeMib: number, rounds: number): Promise<void> {
  const size = sizeMib * MIB;
  const python = (script: string, ...args: string[]) => sh('/usr/bin/python3', ['-c', `import sys\nfrom ovirt_imageio import client\n${script}`, ...args], { PYTHONPATH: path.join(built, 'lib') });
  const hangar = await startHangarProxy(path.join(work, 'hangar-proxy'));
  const imageio = await startImageio(built, work, hangar);
  const servers = [hangar, imageio];
  const ca = hangar.caFile;
  const idle = servers.map((s) => s.memory().rss);
  const scenarios: Scenario[] = [
    { name: 'curl PUT over TLS', direction: 'upload', client: (s, id, image) => sh('curl', ['-sf', '--cacert', ca, '-T', image, '-H', 'Expect:', `${s.base}${id}`]) },
    { name: 'curl PUT over the Unix socket', direction: 'upload', client: (s, id, image) => sh('curl', ['-sf', '--unix-socket', s.unixSocket, '-T', image, '-H', 'Expect:', `http://localhost/images/${id}`]) },
    // The client moves to the Unix socket the server offers when it finds it runs on the same machine.
    { name: 'imageio client upload (Unix socket)', direction: 'upload', client: (s, id, image) => python('client.upload(sys.argv[1], sys.argv[2], sys.argv[3])', image, `${s.base}${id}`, ca) },
    // Reached at another loopback address, the server is not "local" to the client: it stays on TLS
    // (the certificate names localhost, hence no check of the name).
    { name: 'imageio client upload over HTTPS', direction: 'upload', client: (s, id, image) => python('client.upload(sys.argv[1], sys.argv[2], sys.argv[3], secure=False)', image, `https://127.0.0.2:${s.port}/images/${id}`, ca) },
    { name: 'curl GET to a file over TLS', direction: 'download', client: (s, id, image) => sh('curl', ['-sf', '--cacert', ca, '-o', image, `${s.base}${id}`]) },
    { name: 'imageio client download (Unix socket)', direction: 'download', client: (s, id, image) => python('client.download(sys.argv[1], sys.argv[2], sys.argv[3], fmt="raw")', `${s.base}${id}`, image, ca) },
  ];
  const source = path.join(work, 'side-source.img');
  await sh('dd', ['if=/dev/urandom', `of=${source}`, 'bs=8M', `count=${sizeMib / 8}`, 'status=none']);
  const target = path.join(work, 'side-target.img');
  const ticket = (direction: Direction, image: string) => ({
    uuid: randomUUID(), size, ops: [direction === 'upload' ? 'write' : 'read'], timeout: 3600, inactivity_timeout: 3600, url: `file://${image}`, sparse: false,
  });

  /** One client run against one server: MiB/s and the server's CPU seconds per GiB. */
  const once = async (s: DataServer, sc: Scenario, check: boolean) => {
    fs.rmSync(target, { force: true });
    if (sc.direction === 'upload') await sh('truncate', ['-s', String(size), target]);
    const t = ticket(sc.direction, sc.direction === 'upload' ? target : source);
    await s.install(t);
    const cpu = s.cpu();
    const start = performance.now();
    await sc.client(s, t.uuid, sc.direction === 'upload' ? source : target);
    const seconds = (performance.now() - start) / 1000;
    const used = s.cpu() - cpu;
    await s.remove(t.uuid);
    if (check) await sh('cmp', [source, target]);
    // Written pages go to the disk now, not during the next run.
    await sh('sync', []);
    return { rate: sizeMib / seconds, cpu: used / (size / (1024 * MIB)) };
  };

  const results = new Map<string, { rate: number[]; cpu: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const sc of scenarios) {
      for (const s of round % 2 ? [...servers].reverse() : servers) {
        const r = await once(s, sc, round === 0);
        const key = `${sc.name}|${s.name}`;
        const kept = results.get(key) ?? { rate: [], cpu: [] };
        kept.rate.push(r.rate);
        kept.cpu.push(r.cpu);
        results.set(key, kept);
        console.log(`round ${round + 1}, ${sc.name}, ${s.name}: ${r.rate.toFixed(0)} MiB/s, ${r.cpu.toFixed(2)} CPU s/GiB`);
      }
    }
  }

  // Four uploads at once, each to a file of its own: the servers' peak memory.
  for (const s of servers) {
    await Promise.all([0, 1, 2, 3].map(async (i) => {
      const image = path.join(work, `side-four-${i}.img`);
      await sh('truncate', ['-s', String(size), image]);
      const t = ticket('upload', image);
      await s.install(t);
      await scenarios[0].client(s, t.uuid, source);
      await s.remove(t.uuid);
      fs.rmSync(image);
    }));
  }
  const peaks = servers.map((s) => s.memory().peak);
  for (const s of servers) await s.stop();
  fs.rmSync(source);
  fs.rmSync(target, { force: true });

  console.log(`\nHangar's proxy and ovirt-imageio side by side: ${sizeMib} MiB of random data, medians of ${rounds} interleaved rounds`);
  console.log('| scenario | Hangar MiB/s | imageio MiB/s | Hangar / imageio | Hangar CPU s/GiB | imageio CPU s/GiB | Hangar / imageio |');
  console.log('|---|---|---|---|---|---|---|');
  for (const sc of scenarios) {
    const [h, i] = servers.map((s) => results.get(`${sc.name}|${s.name}`)!);
    const [hr, ir, hc, ic] = [median(h.rate), median(i.rate), median(h.cpu), median(i.cpu)];
    console.log(`| ${sc.name} | ${hr.toFixed(0)} | ${ir.toFixed(0)} | ${(hr / ir).toFixed(2)} | ${hc.toFixed(2)} | ${ic.toFixed(2)} | ${(hc / ic).toFixed(2)} |`);
  }
  console.log(`resident memory: Hangar's proxy ${(idle[0] / MIB).toFixed(0)} MiB idle, ${(peaks[0] / MIB).toFixed(0)} MiB at most (four uploads at once among the runs); imageio ${(idle[1] / MIB).toFixed(0)} MiB idle, ${(peaks[1] / MIB).toFixed(0)} MiB at most`);
}
