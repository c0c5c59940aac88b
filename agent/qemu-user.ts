// The unprivileged user QEMU drops to (`-runas`) once it has opened what it is started with.
// What it opens later (disks plugged in, snapshot volumes, sockets of saved states, its own run
// directory) is handed to that user first, as libvirt's dynamic ownership does.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface QemuUser {
  name: string;
  uid: number;
  gid: number;
}

/** The user named `name`, as the system's user database has it; an unknown one stops the agent. */
export function qemuUser(name: string): QemuUser {
  let entry: string;
  try {
    entry = execFileSync('getent', ['passwd', name], { encoding: 'utf8' });
  } catch {
    throw new Error(`HANGAR_AGENT_QEMU_USER names no user of this host: '${name}'`);
  }
  // name:password:uid:gid:gecos:home:shell
  const [, , uid, gid] = entry.trim().split(':');
  return { name, uid: Number(uid), gid: Number(gid) };
}

/** Gives `files` to the user QEMU runs as, when it runs as one. */
export function handOver(user: QemuUser | undefined, ...files: string[]): void {
  if (!user) return;
  for (const f of files) fs.chownSync(f, user.uid, user.gid);
}
