// Where storage domains may live: under the data dir's `exports` (NFS domains) or under a root the
// operator lists (HANGAR_STORAGE_ROOTS), and nowhere else in the data dir (its database, keys and
// certificates). A path is checked as given, then again resolved, so that no link leads out.
import fs from 'node:fs';
import path from 'node:path';
import { badRequest } from './fault';

/** Whether `dir` is `parent` or lies under it (both absolute and normalised). */
const within = (dir: string, parent: string) => dir === parent || dir.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);

export class StoragePlaces {
  constructor(private readonly dataDir: string, private readonly roots: readonly string[]) {}

  /** Refuses `dir` (absolute, normalised) unless domains may live there; touches no file. */
  check(dir: string): void {
    this.judge(dir, `storage.path '${dir}'`, this.dataDir, this.roots);
  }

  /** The real path of `dir`, refused unless it exists and domains may live there; `what` names it in faults. */
  async resolve(dir: string, what = 'storage.path'): Promise<string> {
    const real = await fs.promises.realpath(dir).catch(() => {
      throw badRequest(`${what} '${dir}' is not an existing directory`);
    });
    // A root that does not exist holds no domain.
    const roots = await Promise.all(this.roots.map((r) => fs.promises.realpath(r).catch(() => undefined)));
    this.judge(real, `${what} ${real === dir ? `'${dir}'` : `'${dir}' (resolved: ${real})`}`, await fs.promises.realpath(this.dataDir), roots.filter((r) => r !== undefined));
    return real;
  }

  /** Refuses `dir`, which the fault names as `shown`, unless it lies where domains may. */
  private judge(dir: string, shown: string, dataDir: string, roots: readonly string[]): void {
    if (within(dir, path.join(dataDir, 'exports'))) return;
    if (within(dir, dataDir)) throw badRequest(`${shown} is inside the engine's data dir, which holds domains only under its exports`);
    if (!roots.some((root) => within(dir, root))) {
      throw badRequest(`${shown} is not under a storage root: the roots are ${roots.length ? roots.join(', ') : 'not set'} (HANGAR_STORAGE_ROOTS)`);
    }
  }
}
