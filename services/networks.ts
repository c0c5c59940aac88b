// Logical networks and the vNIC profiles that connect VM NICs to them.
import * as S from '../model/services';
import * as T from '../model/types';
import { randomUUID } from 'node:crypto';
import { Call, implement } from './behaviour';
import { StoredHooks, storedCollection, storedEntity } from './stored';
import { conflict } from './fault';
import { resolve, refTo } from './refs';
import { ObjOf } from '../model/meta';
import { hostsCarrying, refuseManagementRemoval } from './cluster-networks';

type NetworkObj = ObjOf<typeof T.Network>;

async function prepareNetwork(call: Call, body: NetworkObj): Promise<NetworkObj> {
  const owner = call.scope.length ? { id: call.scope[0] } : body.data_center;
  const dc = await resolve(call.repo, T.DataCenter, owner, 'data_center');
  return { mtu: 0, stp: false, usages: ['vm'], ...body, data_center: refTo(dc) };
}

const networkHooks: StoredHooks<typeof T.Network> = {
  prepare: prepareNetwork,
  // Network names are unique within their data center.
  uniqueName: (_call, net) => ({ data_center: String(net.data_center?.id) }),
  // Like oVirt, a new VM network comes with a vNIC profile of the same name.
  async created(call, net) {
    if (net.usages?.includes('vm')) {
      await call.repo.insert(T.VnicProfile, { id: randomUUID(), name: net.name, port_mirroring: false, network: refTo(net) });
    }
  },
  // Removing a network unassigns it from its clusters (its assignments go with it), but for a management network.
  async removing(call, net) {
    await refuseManagementRemoval(call, net);
    const hosts = await hostsCarrying(call, undefined, net.id);
    if (hosts.length) throw conflict(`Cannot remove Network ${String(net.name)}: hosts ${hosts.join(', ')} have it attached`);
    const profiles = await call.repo.list(T.VnicProfile, { network: net.id });
    for (const p of profiles) {
      if ((await call.repo.count(T.Nic, { vnic_profile: p.id })) > 0) {
        throw conflict(`Cannot remove Network ${String(net.name)}: its profile ${String(p.name)} is used by a NIC`);
      }
    }
  },
};

export const networks = implement(S.Networks, storedCollection(S.Networks, networkHooks));
export const networkEntity = implement(S.NetworkEntity, storedEntity(S.Networks, S.NetworkEntity, networkHooks));
export const dataCenterNetworks = implement(S.DataCenterNetworks, storedCollection(S.DataCenterNetworks, networkHooks));
export const dataCenterNetwork = implement(S.DataCenterNetwork, storedEntity(S.DataCenterNetworks, S.DataCenterNetwork, networkHooks));

type ProfileObj = ObjOf<typeof T.VnicProfile>;

async function prepareProfile(call: Call, body: ProfileObj): Promise<ProfileObj> {
  const owner = call.scope.length ? { id: call.scope[0] } : body.network;
  const net = await resolve(call.repo, T.Network, owner, 'network');
  return { port_mirroring: false, ...body, network: refTo(net) };
}

const profileHooks: StoredHooks<typeof T.VnicProfile> = {
  prepare: prepareProfile,
  uniqueName: (_call, p) => ({ network: String(p.network?.id) }),
  async removing(call, p) {
    if ((await call.repo.count(T.Nic, { vnic_profile: p.id })) > 0) {
      throw conflict(`Cannot remove vNIC profile ${String(p.name)}: a NIC uses it`);
    }
  },
};

export const vnicProfiles = implement(S.VnicProfiles, storedCollection(S.VnicProfiles, profileHooks));
export const vnicProfileEntity = implement(S.VnicProfileEntity, storedEntity(S.VnicProfiles, S.VnicProfileEntity, profileHooks));
export const networkVnicProfiles = implement(S.NetworkVnicProfiles, storedCollection(S.NetworkVnicProfiles, profileHooks));
export const networkVnicProfile = implement(S.NetworkVnicProfile, storedEntity(S.NetworkVnicProfiles, S.NetworkVnicProfile, profileHooks));
