// How the engine holds a disk's row beyond what clients see, and where its volumes live.
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { VolumeRef, diskDomainId } from './storage';
import { Repo } from './store/repo';
import { badRequest, conflict } from './fault';
import { resolve } from './refs';

type DiskObj = ObjOf<typeof T.Disk>;
type DomainObj = ObjOf<typeof T.StorageDomain>;

/**
 * A disk as the engine keeps it: what clients see, and in the same row the volume under the
 * disk's active one in its chain, and for a thin VM's disk the template's volume under the first
 * of its own (never on the wire, as the model does not declare them).
 */
export type StoredDisk = DiskObj & { backing_volume?: string; template_volume?: VolumeRef };

/** What a disk holds as one volume of its own: a copy of what it reads, without its chain. */
export function flattened(disk: StoredDisk): DiskObj {
  const { backing_volume: _chain, template_volume: _base, ...rest } = disk;
  return rest;
}

/** The engine's view of a stored disk: the same row, with the members the model does not declare. */
export const heldDisk = (disk: DiskObj) => disk as StoredDisk;

/**
 * A disk attachment as the engine keeps it: with `from_snapshot`, the VM reads the disk as that
 * snapshot holds it (backup software's VM given another VM's snapshot), never writing it.
 */
export type StoredAttachment = ObjOf<typeof T.DiskAttachment> & { from_snapshot?: string };

/** The storage domain a disk lives on. */
export async function domainOfDisk(repo: Repo, disk: DiskObj): Promise<DomainObj | undefined> {
  const sdId = diskDomainId(disk);
  return sdId ? repo.get(T.StorageDomain, sdId) : undefined;
}

/** The data domain `ref` names, active in a data center: where a disk's copy may go. */
export async function activeDataDomain(repo: Repo, ref: unknown, field: string): Promise<DomainObj & { id: string }> {
  const sd = await resolve(repo, T.StorageDomain, ref, field);
  if (sd.type !== 'data') throw badRequest(`Storage domain ${sd.name} is not a data domain`);
  if (sd.status !== 'active') throw conflict(`Storage domain ${sd.name} is not active`);
  return sd;
}
