// What a freshly installed engine has: the Default data center and cluster, the Blank
// template, the ovirtmgmt network and its vNIC profile, and admin@internal.
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import * as T from '../../model/types';
import { Repo } from './repo';
import { ObjOf } from '../../model/meta';
import { PERMITS, ROLES, permitView } from './builtin-roles';
import { addManagementNetwork } from './management-network';

export const BLANK_TEMPLATE_ID = '00000000-0000-0000-0000-000000000000';
/** oVirt's root tag, the top of the tag tree: its id and name are fixed, as oVirt's are. */
export const ROOT_TAG = { id: '00000000-0000-0000-0000-000000000000', name: 'root', description: 'root' } as const;
export const INTERNAL_DOMAIN = 'internal-authz';
/** oVirt's well-known id of the internal authorization domain's admin user. */
export const ADMIN_USER_ID = 'fdfc627c-d875-11e0-90f0-83df133b58cc';
export const COMPATIBILITY_VERSION = { major: 4, minor: 7 };

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
    memory_policy: { over_commit: { percent: 100 } },
    data_center: dcRef,
  });
  await repo.insert(T.Template, {
    id: BLANK_TEMPLATE_ID,
    name: 'Blank',
    description: 'Blank template',
    status: 'ok',
    type: 'desktop',
    memory: 1073741824,
    cpu: { architecture: 'x86_64', topology: { sockets: 1, cores: 1, threads: 1 } },
    os: { type: 'other', boot: { devices: ['hd'] } },
    display: { type: 'vnc', monitors: 1 },
    stateless: false,
    creation_time: new Date().toISOString(),
    version: { version_number: 1, version_name: 'base version' },
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
