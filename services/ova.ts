// A VM or template as an OVA file: `export` to a host's directory writes one under a storage root.
import fs from 'node:fs';
import path from 'node:path';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { ObjOf } from '../model/meta';
import { ActionBody, Call } from './behaviour';
import { load } from './stored';
import { badRequest, conflict } from './fault';
import { resolve } from './refs';
import { ovfSourceOf } from './ovf-store';
import { domainOfDisk } from './disk-rows';
import { withinTime } from './file-work';
import { writeOva } from './ova-files';

type VmObj = ObjOf<typeof T.Vm>;

/** A file name alone: one path component. */
const FILE_NAME = /^(?!\.\.?$)[^/\0]{1,255}$/;

/** `export` with a host: the VM (a template, with `kind`) as an OVA file in `directory`; a VM down, a template not locked. */
async function exportOva(call: Call, body: ActionBody, vm: VmObj, kind: 'vm' | 'template'): Promise<Obj> {
  const what = `${kind === 'vm' ? 'VM' : 'template'} ${String(vm.name)}`;
  if (kind === 'vm' ? vm.status !== 'down' : String(vm.status) === 'locked') throw conflict(`Cannot export ${what}: it is ${String(vm.status)}`);
  const host = await resolve(call.repo, T.Host, body.host, 'host');
  if (host.status !== 'up') throw conflict(`Cannot export ${what}: host ${String(host.name)} is ${String(host.status)}, not up`);
  if (body.directory === undefined) throw badRequest(`directory is required to export ${what} to a host`);
  const filename = body.filename ?? `${String(vm.name)}.ova`;
  if (!FILE_NAME.test(filename)) throw badRequest(`filename must be a file name, without '/', got '${filename}'`);
  const storage = call.engine.storage;
  const dir = await storage.place(String(body.directory), 'directory');
  const target = path.join(dir, filename);
  if (await withinTime(call.engine.config.fsTimeout, `looking at ${target}`, () => fs.promises.lstat(target).then(() => true, () => false))) {
    throw conflict(`Cannot export ${what}: ${target} exists already`);
  }
  const source = await ovfSourceOf(call.repo, storage, vm, kind);
  const domains: Record<string, Obj> = {};
  for (const { disk } of source.disks) {
    const sd = await domainOfDisk(call.repo, disk);
    if (!sd) throw conflict(`Cannot export ${what}: disk ${String(disk.alias ?? disk.id)} has no storage domain`);
    domains[String(disk.id)] = sd;
  }
  call.files.afterCommit({
    what: `exporting ${what} to ${target}`,
    run: (signal) => writeOva(storage, target, source, domains, signal),
    // Nothing changed in the database: the call fails and no file is left.
    undo: async () => undefined,
  });
  return { status: 'complete' };
}

export const exportToPathOnHost = async (call: Call, body: ActionBody) => exportOva(call, body, await load(call, S.Vms), 'vm');
export const exportTemplateToPathOnHost = async (call: Call, body: ActionBody) =>
  exportOva(call, body, (await load(call, S.Templates)) as VmObj, 'template');
