// A VM or template as an OVA file: `export` to a host's directory writes one under a storage root.
import fs from 'node:fs';
import path from 'node:path';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { ActionBody, Call, inspected } from './behaviour';
import { badRequest, conflict } from './fault';
import { resolve } from './refs';
import { OwnerKind, disksWithDomains, kindName, ovfRowsOf, ownerOf } from './ovf-store';
import { withinTime } from './file-work';
import { writeOva } from './ova-files';

type VmObj = ObjOf<typeof T.Vm>;

/** A file name alone: one path component. */
const FILE_NAME = /^(?!\.\.?$)[^/\0]{1,255}$/;

/** The name of the OVA `export` with a host writes in `directory`, for a VM down (a template not locked) and a host up. */
async function ovaName(call: Call, body: ActionBody, vm: VmObj, kind: OwnerKind): Promise<string> {
  const what = `${kindName(kind)} ${String(vm.name)}`;
  if (kind === 'vm' ? vm.status !== 'down' : String(vm.status) === 'locked') throw conflict(`Cannot export ${what}: it is ${String(vm.status)}`);
  const host = await resolve(call.repo, T.Host, body.host, 'host');
  if (host.status !== 'up') throw conflict(`Cannot export ${what}: host ${String(host.name)} is ${String(host.status)}, not up`);
  if (body.directory === undefined) throw badRequest(`directory is required to export ${what} to a host`);
  const filename = body.filename ?? `${String(vm.name)}.ova`;
  if (!FILE_NAME.test(filename)) throw badRequest(`filename must be a file name, without '/', got '${filename}'`);
  return filename;
}

/**
 * `export` with a host: the VM (a template, with `kind`) as an OVA file in `directory`, which the
 * files show is not there yet (and where it is, resolved) before the transaction.
 */
const exportOva = (kind: OwnerKind) => inspected(async (call, body: ActionBody) => {
  const vm = await ownerOf(call, kind);
  const filename = await ovaName(call, body, vm, kind);
  const target = path.join(await call.engine.storage.place(String(body.directory), 'directory'), filename);
  if (await withinTime(call.engine.config.fsTimeout, `looking at ${target}`, () => fs.promises.lstat(target).then(() => true, () => false))) {
    throw conflict(`Cannot export ${kindName(kind)} ${String(vm.name)}: ${target} exists already`);
  }
  return target;
}, async (call, body, target) => {
  const vm = await ownerOf(call, kind);
  const what = `${kindName(kind)} ${String(vm.name)}`;
  await ovaName(call, body, vm, kind);
  const storage = call.engine.storage;
  const rows = await ovfRowsOf(call.repo, vm, kind);
  const domains = Object.fromEntries(disksWithDomains(rows).map(({ disk, domain }) => [String(disk.id), domain]));
  call.files.afterCommit({
    what: `exporting ${what} to ${target}`,
    run: (signal) => writeOva(storage, target, rows, domains, signal),
    // Nothing changed in the database: the call fails and no file is left.
    undo: async () => undefined,
  });
  return { status: 'complete' };
});

export const exportToPathOnHost = exportOva('vm');
export const exportTemplateToPathOnHost = exportOva('template');
