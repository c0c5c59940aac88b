// Directories under the shared temporary directory that only the engine's user may enter: where
// Unix sockets and pid files live (socket paths are too short for the data dir). Another local
// user may have made the directory first, to plant sockets or pid files in it; such a directory
// is refused, never used.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The path of `$TMPDIR/<name>`, before it is checked. */
export const privateDirPath = (name: string) => path.join(os.tmpdir(), name);

/**
 * Makes `$TMPDIR/<name>` (mode 0700) or checks the one there: a real directory (not a link),
 * owned by this user, that no other user could write to; left 0700.
 */
export async function privateDir(name: string): Promise<string> {
  const dir = privateDirPath(name);
  await fs.promises.mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  const st = await fs.promises.lstat(dir);
  const refuse = (why: string) => new Error(`Refusing to use ${dir}: ${why}; remove it or set TMPDIR to a private directory`);
  if (!st.isDirectory()) throw refuse('it is not a directory');
  if (st.uid !== process.getuid?.()) throw refuse(`it is owned by uid ${st.uid}, not this user`);
  // Writable by others: what is in it may be theirs.
  if (st.mode & 0o022) throw refuse(`other users may write to it (mode ${(st.mode & 0o777).toString(8)})`);
  if (st.mode & 0o077) await fs.promises.chmod(dir, 0o700);
  return dir;
}
