// What a freshly installed engine has: the Default data center and cluster, the Blank
// template, the ovirtmgmt network and its vNIC profile, and admin@internal; the Default MAC
// pool and oVirt's instance types.
import { CLUSTER_DEFAULTS } from '../facts/cluster-defaults';
import { withVmBaseDefaults } from '../facts/vm-base-defaults';
import { Knex } from 'knex';
import { randomBytes, randomUUID } from 'node:crypto';
import * as T from '../../model/types';
import { Repo } from './repo';
import { ObjOf } from '../../model/meta';
import { PERMITS, ROLES, permitView } from './builtin-roles';
import { INSTANCE_TYPES } from '../facts/instance-types';
import { addManagementNetwork } from './management-network';

export const BLANK_TEMPLATE_ID = '00000000-0000-0000-0000-000000000000';
/** oVirt's root tag, the top of the tag tree: its id and name are fixed, as oVirt's are. */
export const ROOT_TAG = { id: '00000000-0000-0000-0000-000000000000', name: 'root', description: 'root' } as const;
export const INTERNAL_DOMAIN = 'internal-authz';
/** oVirt's well-known id of the internal authorization domain's admin user. */
export const ADMIN_USER_ID = 'fdfc627c-d875-11e0-90f0-83df133b58cc';
export const COMPATIBILITY_VERSION = { major: 4, minor: 7 };
/** oVirt's id of its built-in Default MAC pool. */
export const DEFAULT_MAC_POOL_ID = '58ca604b-017d-0374-0220-00000000006b';

export async function seedInventory(knex: Knex): Promise<void> {
  const repo = new Repo(knex);
  const dcRef = { id: randomUUID() };
  const dc: ObjOf<typeof T.DataCenter> = {
    id: dcRef.id,
    name: 'Default',
    description: 'The default Data Center',
    local: false,
    quota_mode: 'disabled',
    status: 'uninitialized',
    storage_format: 'v5',
    version: { ...COMPATIBILITY_VERSION },
    supported_versions: [{ ...COMPATIBILITY_VERSION }],
  };
  await repo.insert(T.DataCenter, dc);
  await repo.insert(T.Cluster, {
    id: randomUUID(),
    name: 'Default',
    description: 'The default server cluster',
    cpu: { architecture: 'x86_64', type: 'Intel Nehalem Family' },
    version: { ...COMPATIBILITY_VERSION },
    ...CLUSTER_DEFAULTS,
    data_center: dcRef,
  });
  await repo.insert(T.Template, {
    id: BLANK_TEMPLATE_ID,
    name: 'Blank',
    description: 'Blank template',
    status: 'ok',
    type: 'desktop',
    ...withVmBaseDefaults({}, {}),
    cpu: { architecture: 'x86_64', topology: { sockets: 1, cores: 1, threads: 1 } },
    os: { type: 'other', boot: { devices: ['hd'] } },
    display: { type: 'vnc', monitors: 1 },
    stateless: false,
    creation_time: new Date().toISOString(),
    // As in oVirt, Blank is the base version of itself.
    version: { version_number: 1, version_name: 'base version', base_template: { id: BLANK_TEMPLATE_ID } },
  });
  await addManagementNetwork(repo, dcRef.id);
  await repo.insert(T.User, {
    id: ADMIN_USER_ID,
    name: 'admin',
    user_name: `admin@${INTERNAL_DOMAIN}`,
    principal: 'admin',
    namespace: '*',
    domain_entry_id: Buffer.from('admin').toString('hex'),
    domain: { id: internalDomainId(), name: INTERNAL_DOMAIN },
  });
}

/** oVirt derives a domain's id from its name; so do we, so it is stable across installs. */
export function internalDomainId(): string {
  return Buffer.from(INTERNAL_DOMAIN).toString('hex');
}

/** oVirt's id of the SuperUser permission admin@internal holds on the system. */
const ADMIN_PERMISSION_ID = '00000000-0000-0000-0001-000000000001';

/** The built-in roles, admin@internal's directory account, and its SuperUser role on the system. */
export async function seedAccess(knex: Knex): Promise<void> {
  const repo = new Repo(knex);
  for (const role of ROLES) {
    await repo.insert(T.Role, {
      id: role.id,
      name: role.name,
      description: role.description,
      administrative: role.administrative,
      mutable: false,
      permits: role.permits.map((name) => permitView(PERMITS.find((p) => p.name === name)!)),
    });
  }
  await knex('directory_accounts').insert({ id: ADMIN_USER_ID, name: 'admin', hash: null, groups: '[]' });
  const superUser = ROLES.find((r) => r.name === 'SuperUser')!;
  await repo.insert(T.Permission, { id: ADMIN_PERMISSION_ID, role: { id: superUser.id }, user: { id: ADMIN_USER_ID } });
}

/** The root tag, which every tag without another parent hangs from. */
export async function seedRootTag(knex: Knex): Promise<void> {
  await new Repo(knex).insert(T.Tag, { ...ROOT_TAG });
}

/**
 * oVirt's Default MAC pool, with the range its setup picks, 56:6f:xx:xx:00:00 to
 * 56:6f:xx:xx:ff:ff with the middle bytes chosen at random; every cluster without a pool uses it.
 */
export async function seedDefaultMacPool(knex: Knex): Promise<void> {
  const repo = new Repo(knex);
  const prefix = ['56', '6f', ...[...randomBytes(2)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
  await repo.insert(T.MacPool, {
    id: DEFAULT_MAC_POOL_ID,
    name: 'Default',
    description: 'Default MAC pool',
    allow_duplicates: false,
    default_pool: true,
    ranges: [{ from: `${prefix}:00:00`, to: `${prefix}:ff:ff` }],
  });
  for (const cluster of await repo.list(T.Cluster)) {
    if (!cluster.mac_pool) await repo.update(T.Cluster, { ...cluster, mac_pool: { id: DEFAULT_MAC_POOL_ID } });
  }
}

/** oVirt's predefined instance types; as in oVirt, each guarantees all its memory and may grow to four times it. */
export async function seedInstanceTypes(knex: Knex): Promise<void> {
  const repo = new Repo(knex);
  for (const it of INSTANCE_TYPES) {
    const memory = it.memoryMiB * 2 ** 20;
    await repo.insert(T.InstanceType, {
      id: it.id,
      name: it.name,
      description: `${it.name} instance type`,
      status: 'ok',
      ...withVmBaseDefaults({ memory }, { memory }),
      cpu: { topology: { sockets: it.sockets, cores: 1, threads: 1 } },
      creation_time: new Date().toISOString(),
      version: { version_number: 1, version_name: 'base version' },
    });
  }
}
