// How much of the official SDK's service tree the engine serves: the root services, and the
// sub-collections and actions of each root collection's member service (`/vms/{id}/nics`,
// `/vms/{id}/start`). The SDK's tree is read from bench/sdk-services.json, which
// bench/sdk-services.py derives from ovirtsdk4 4.6.3's services.py. Run with `npm run bench:sdk`.
import fs from 'node:fs';
import path from 'node:path';
import { Root } from '../model/services';
import { collectionRoutes } from '../model/tree';

interface SdkService { locators: Record<string, string>; member: string | null; actions: string[] }
const sdk: { root: string; services: Record<string, SdkService> } =
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../bench/sdk-services.json'), 'utf8'));

/** What depends on an outside product, and is left out: Katello, OpenStack, external host providers, Gluster, iSCSI/FC discovery. */
const OUTSIDE = /^(katelloerrata|externalhostproviders|externalnetworkproviders|externalnetworkproviderconfigurations|openstack\w*|gluster\w*|refreshglusterhealstatus|iscsibonds|iscsidiscover|discoveriscsi|iscsilogin|unregisteredstoragedomainsdiscover)$/;
const outside = (name: string) => name.split('/').some((segment) => OUTSIDE.test(segment));

/** The member services the count was first taken over: those of the root collections the engine served first. */
const FIRST_SERVED = ['clusters', 'datacenters', 'disks', 'domains', 'events', 'groups', 'hosts', 'imagetransfers', 'jobs', 'networks', 'permissions', 'roles', 'storagedomains', 'templates', 'users', 'vms', 'vnicprofiles'];

const route = (segments: (string | null)[]) => collectionRoutes.find((r) => r.segments.join('/') === segments.join('/'));

interface Tally { served: number; total: number; outside: number; missing: string[] }
const tally = (): Tally => ({ served: 0, total: 0, outside: 0, missing: [] });
function count(t: Tally, name: string, served: boolean): void {
  t.total += 1;
  if (served) t.served += 1;
  else if (outside(name)) t.outside += 1;
  else t.missing.push(name);
}

const rootServices = sdk.services[sdk.root].locators;
const roots = tally();
for (const segment of Object.keys(rootServices)) count(roots, segment, segment in Root.locators);

function members(segments: string[]): { subs: Tally; actions: Tally } {
  const subs = tally();
  const actions = tally();
  for (const segment of segments) {
    const member = sdk.services[sdk.services[rootServices[segment]].member ?? ''];
    if (!member) continue;
    const served = route([segment])?.collection.entity();
    for (const sub of Object.keys(member.locators)) count(subs, `${segment}/{id}/${sub}`, route([segment, null, sub]) !== undefined);
    for (const a of member.actions) count(actions, `${segment}/{id}/${a}`, served?.actions.some((d) => d.name === a) ?? false);
  }
  return { subs, actions };
}

const line = (what: string, t: Tally) =>
  `${what}: ${t.served} of ${t.total} served; ${t.outside} left out as outside products; missing ${t.missing.length}${t.missing.length ? `: ${t.missing.join(' ')}` : ''}`;
const first = members(FIRST_SERVED);
const all = members(Object.keys(rootServices));
console.log(line('root services', roots));
console.log(line(`sub-collections of the ${FIRST_SERVED.length} first-served member services`, first.subs));
console.log(line(`actions of the ${FIRST_SERVED.length} first-served member services`, first.actions));
console.log(line('sub-collections of every root member service', all.subs));
console.log(line('actions of every root member service', all.actions));
