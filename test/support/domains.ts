// Data domains for tests of disk files: directories under a temporary one, attached to Default,
// and where a disk's volume lies in them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as T from '../../model/types';
import { Format, Obj } from '../../model/codec';
import { ApiClient } from './engine';

/** Makes a localfs data (or export) domain per name in `dir/<name>` and attaches it to the Default data center. */
export async function localDataDomains(api: ApiClient, format: Format, dir: string, names: string[], type: 'data' | 'export' = 'data'): Promise<Record<string, Obj>> {
  const [dc] = format.readList(T.DataCenter, (await api.call('GET', '/datacenters?search=name%3DDefault')).text);
  const domains: Record<string, Obj> = {};
  for (const name of names) {
    fs.mkdirSync(path.join(dir, name));
    const made = await api.call('POST', '/storagedomains', format.write(T.StorageDomain, { name, type, storage: { type: 'localfs', path: path.join(dir, name) } }));
    assert.equal(made.status, 201, made.text);
    const sd = format.read(T.StorageDomain, made.text);
    const attached = await api.call('POST', `/datacenters/${String(dc.id)}/storagedomains`, format.write(T.StorageDomain, { id: sd.id }));
    assert.equal(attached.status, 201, attached.text);
    domains[name] = sd;
  }
  return domains;
}

/** The file of a disk's volume (its active one unless told) in one of `domains`, made in `dir`. */
export function volumeFileOf(dir: string, domains: Record<string, Obj>, disk: Obj, volume: unknown = disk.image_id): string {
  const sd = Object.values(domains).find((d) => d.id === ((disk.storage_domains as Obj[])[0]).id)!;
  return path.join(dir, String(sd.name), String(sd.id), 'images', String(disk.id), String(volume));
}
