// The API entry point's own content: product, special objects, summary and time.
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Call } from './behaviour';
import { BLANK_TEMPLATE_ID, ROOT_TAG } from './store/seed';

export const PRODUCT_VERSION = { major: 4, minor: 5, build: 0, revision: 0, full_version: '4.5.0-hangar' };

async function countItem(call: Call, type: Parameters<Call['repo']['count']>[0], active: Record<string, string>) {
  return { total: await call.repo.count(type), active: await call.repo.count(type, {}, active) };
}

export async function apiContent(call: Call): Promise<Obj> {
  return {
    product_info: { name: 'Hangar', vendor: 'Hangar', version: { ...PRODUCT_VERSION } },
    special_objects: {
      blank_template: { id: BLANK_TEMPLATE_ID },
      root_tag: { id: ROOT_TAG.id },
    },
    summary: {
      hosts: await countItem(call, T.Host, { status: 'up' }),
      storage_domains: await countItem(call, T.StorageDomain, { status: 'active' }),
      users: { total: await call.repo.count(T.User), active: await call.repo.count(T.User) },
      vms: await countItem(call, T.Vm, { status: 'up' }),
    },
    time: new Date().toISOString(),
    authenticated_user: { id: call.principal.userId },
    effective_user: { id: call.principal.userId },
  };
}
