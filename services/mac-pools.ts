// MAC address pools: the built-in Default one, and the pool of each cluster, which gives the
// NICs of the cluster's VMs their addresses. As in oVirt, an address is unique within its pool
// unless the pool allows duplicates, and a client may give one outside the pool's ranges.
import * as S from '../model/services';
import * as T from '../model/types';
import { ObjOf, Ref } from '../model/meta';
import { Call, implement } from './behaviour';
import { StoredHooks, mergeInto, storedCollection, storedEntity } from './stored';
import { badRequest, conflict } from './fault';
import { resolve } from './refs';
import { DEFAULT_MAC_POOL_ID } from './store/seed';

type MacPoolObj = ObjOf<typeof T.MacPool>;

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** A MAC address as a number: 48 bits fit a double exactly. */
const macNumber = (mac: string) => parseInt(mac.replace(/:/g, ''), 16);
const macText = (n: number) => n.toString(16).padStart(12, '0').match(/../g)!.join(':');

function checkMac(mac: unknown, what: string): string {
  if (typeof mac !== 'string' || !MAC.test(mac)) throw badRequest(`${what} '${String(mac)}' is not a MAC address`);
  return mac.toLowerCase();
}

/** A pool's ranges, each a valid MAC address range from its lower end; at least one. */
function checkRanges(ranges: MacPoolObj['ranges']): MacPoolObj['ranges'] {
  if (!ranges?.length) throw badRequest('A MAC pool needs at least one range');
  return ranges.map((r) => {
    const from = checkMac(r.from, 'Range start');
    const to = checkMac(r.to, 'Range end');
    if (macNumber(from) > macNumber(to)) throw badRequest(`Range ${from}-${to} ends before it starts`);
    return { from, to };
  });
}

/** The pool a cluster's VMs take MAC addresses from, locked until commit so that two NICs never get one address. */
async function poolOfCluster(call: Call, clusterRef: Ref | undefined): Promise<MacPoolObj> {
  const cluster = await resolve(call.repo, T.Cluster, clusterRef, 'cluster');
  const pool = await call.repo.getForUpdate(T.MacPool, String(cluster.mac_pool?.id));
  if (!pool) throw conflict(`Cluster ${String(cluster.name)} has no MAC pool`);
  return pool;
}

/** The addresses the NICs of VMs in the pool's clusters hold, but for the NIC `except`. */
async function macsInUse(call: Call, pool: MacPoolObj, except?: string): Promise<Set<string>> {
  const clusters = await call.repo.list(T.Cluster, { mac_pool: String(pool.id) });
  const vms = new Set((await Promise.all(clusters.map((c) => call.repo.list(T.Vm, { cluster: String(c.id) })))).flat().map((v) => v.id));
  const nics = await call.repo.list(T.Nic);
  return new Set(nics.filter((n) => n.id !== except && vms.has(String(n.vm?.id))).map((n) => String(n.mac?.address).toLowerCase()));
}

/** The first address of the VM's cluster's pool no NIC there holds; 409 when the pool has none left. */
export async function freeMac(call: Call, vm: ObjOf<typeof T.Vm>): Promise<string> {
  const pool = await poolOfCluster(call, vm.cluster);
  const used = await macsInUse(call, pool);
  for (const range of pool.ranges ?? []) {
    for (let n = macNumber(String(range.from)); n <= macNumber(String(range.to)); n++) {
      if (!used.has(macText(n))) return macText(n);
    }
  }
  throw conflict(`MAC pool ${String(pool.name)} has no free MAC address left`);
}

/** Checks an address a client gives a NIC of the VM: a MAC address, not held in the pool unless it allows duplicates. */
export async function givenMac(call: Call, vm: ObjOf<typeof T.Vm>, mac: unknown, nicId?: string): Promise<string> {
  const address = checkMac(mac, 'MAC address');
  const pool = await poolOfCluster(call, vm.cluster);
  if (pool.allow_duplicates !== true && (await macsInUse(call, pool, nicId)).has(address)) {
    throw conflict(`MAC address ${address} is already in use in MAC pool ${String(pool.name)}`);
  }
  return address;
}

/** The pool a new cluster uses: the one given, else Default. */
export async function clusterPool(call: Call, given: Ref | undefined): Promise<Ref> {
  const pool = await resolve(call.repo, T.MacPool, given ?? { id: DEFAULT_MAC_POOL_ID }, 'mac_pool');
  return { id: pool.id };
}

const hooks: StoredHooks<typeof T.MacPool> = {
  uniqueName: () => ({}),
  // Default is oVirt's one default pool: no other can become it.
  prepare(_call, body) {
    if (body.default_pool === true) throw conflict('Only the Default MAC pool is the default pool');
    return { ...body, allow_duplicates: body.allow_duplicates ?? false, default_pool: false, ranges: checkRanges(body.ranges) };
  },
  apply(_call, current, changes) {
    if (changes.default_pool !== undefined && changes.default_pool !== current.default_pool) {
      throw conflict(`MAC pool ${String(current.name)}: which pool is the default cannot change`);
    }
    const next = mergeInto(T.MacPool, current, changes);
    return { ...next, ranges: checkRanges(next.ranges) };
  },
  async removing(call, pool) {
    if (pool.default_pool === true) throw conflict(`Cannot remove MAC pool ${String(pool.name)}: it is the default pool`);
    const users = await call.repo.list(T.Cluster, { mac_pool: String(pool.id) });
    if (users.length) {
      throw conflict(`Cannot remove MAC pool ${String(pool.name)}: clusters use it: ${users.map((c) => String(c.name)).join(', ')}`);
    }
  },
};

export const macPools = implement(S.MacPools, storedCollection(S.MacPools, hooks));
export const macPool = implement(S.MacPoolEntity, storedEntity(S.MacPools, S.MacPoolEntity, hooks));
