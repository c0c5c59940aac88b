// Domains, groups, roles and permissions.
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj, isObj } from '../model/codec';
import { CollectionService, EntityService } from '../model/meta';
import { Call, implement } from './behaviour';
import { load, storedCollection, storedEntity } from './stored';
import { badRequest, conflict, notFound } from './fault';
import { resolve, refTo } from './refs';
import { INTERNAL_DOMAIN, internalDomainId } from './store/seed';
import { PERMITS, permitView } from './store/builtin-roles';

// --- domains and groups -----------------------------------------------------

/** The domains users authenticate against; the internal one is built in. */
function knownDomains(): Obj[] {
  return [{ id: internalDomainId(), name: INTERNAL_DOMAIN }];
}

export const domains = implement(S.Domains, { list: async (_call, o) => knownDomains().slice(0, o.max) });
export const domainEntity = implement(S.DomainEntity, {
  async get(call) {
    const found = knownDomains().find((d) => d.id === call.scope[0]);
    if (!found) throw notFound(`Domain '${call.scope[0]}' does not exist`);
    return found;
  },
});

const internalGroup = (body: Obj): Obj => ({
  ...body,
  namespace: '*',
  domain_entry_id: Buffer.from(String(body.name)).toString('hex'),
  domain: { id: internalDomainId(), name: INTERNAL_DOMAIN },
});

export const groups = implement(S.Groups, storedCollection(S.Groups, { prepare: (_call, body) => internalGroup(body), uniqueName: () => ({}) }));
export const groupEntity = implement(S.GroupEntity, storedEntity(S.Groups, S.GroupEntity));
export const domainGroups = implement(S.DomainGroups, storedCollection(S.DomainGroups));
export const domainGroup = implement(S.DomainGroup, storedEntity(S.DomainGroups, S.DomainGroup));

// --- roles and permits ------------------------------------------------------

/** A permit as a role lists it, from a reference by id or by name. */
function permitOf(ref: unknown): Obj {
  const permit = isObj(ref) && PERMITS.find((p) => String(p.id) === String(ref.id) || p.name === ref.name);
  if (!permit) throw badRequest(`Unknown permit ${JSON.stringify(ref)}`);
  return permitView(permit);
}

function mutableRole(role: Obj): Obj {
  if (role.mutable !== true) throw conflict(`Role ${String(role.name)} is built in and cannot be changed`);
  return role;
}

export const roles = implement(S.Roles, storedCollection(S.Roles, {
  uniqueName: () => ({}),
  prepare: (_call, body) => ({
    administrative: false,
    ...body,
    mutable: true,
    permits: (body.permits as unknown[]).map(permitOf),
  }),
}));

export const roleEntity = implement(S.RoleEntity, storedEntity(S.Roles, S.RoleEntity, {
  uniqueName: () => ({}),
  apply: (_call, current, changes) => ({ ...mutableRole(current), ...changes }),
  async removing(call, role) {
    mutableRole(role);
    if ((await call.repo.count(T.Permission, { role: role.id })) > 0) {
      throw conflict(`Role ${String(role.name)} is still given in permissions`);
    }
  },
}));

const roleOf = (call: Call) => load({ ...call, scope: call.scope.slice(0, 1) }, S.Roles);
const withRole = (role: Obj) => (p: Obj): Obj => ({ ...p, role: refTo(role) });

export const rolePermits = implement(S.RolePermits, {
  list: async (call, o) => {
    const role = await roleOf(call);
    return (role.permits as Obj[]).slice(0, o.max).map(withRole(role));
  },
  async add(call, body) {
    const role = mutableRole(await roleOf(call));
    const permit = permitOf(body);
    const permits = role.permits as Obj[];
    if (!permits.some((p) => p.id === permit.id)) await call.repo.update(T.Role, { ...role, permits: [...permits, permit] });
    return withRole(role)(permit);
  },
});

export const rolePermit = implement(S.RolePermit, {
  async get(call) {
    const role = await roleOf(call);
    const permit = (role.permits as Obj[]).find((p) => p.id === call.scope[1]);
    if (!permit) throw notFound(`Role ${String(role.name)} has no permit '${call.scope[1]}'`);
    return withRole(role)(permit);
  },
  async remove(call) {
    const role = mutableRole(await roleOf(call));
    const permits = (role.permits as Obj[]).filter((p) => p.id !== call.scope[1]);
    if (permits.length === (role.permits as Obj[]).length) throw notFound(`Role ${String(role.name)} has no permit '${call.scope[1]}'`);
    await call.repo.update(T.Role, { ...role, permits });
  },
});

// --- permissions ------------------------------------------------------------

/** Who receives a permission. */
const GRANTEES = ['user', 'group'];

/** The object links of a permission: every link but role, user and group. */
export const PERMISSION_OBJECTS = T.Permission.attributes
  .filter((a) => a.link && !a.list && !['role', ...GRANTEES].includes(a.name))
  .map((a) => a.name);

/** The grantee a collection of permissions belongs to (`/users/{id}/permissions`), if any. */
const granteeOf = (collection: CollectionService) => (collection.owner && GRANTEES.includes(collection.owner) ? collection.owner : undefined);

/**
 * The object link of a permission added to `collection` at `scope`: the object the URL names
 * (`/vms/{id}/permissions`), else the one the body names (permissions of a user or group), else
 * none: the whole system. A body naming another object than the URL is refused, so nothing is
 * given anywhere but where the URL says.
 */
export function permissionObject(collection: CollectionService, scope: readonly string[], body: Obj): Obj {
  const named = PERMISSION_OBJECTS.filter((name) => isObj(body[name]));
  const owner = collection.owner && PERMISSION_OBJECTS.includes(collection.owner) ? collection.owner : undefined;
  if (owner) {
    const id = scope[scope.length - 1];
    const other = named.find((name) => name !== owner || String((body[name] as Obj).id) !== id);
    if (other) throw badRequest(`A permission added here applies to the ${owner} '${id}' of the URL, not to the ${other} the body names`);
    return { [owner]: { id } };
  }
  if (collection === S.SystemPermissions && named.length) throw badRequest('A system permission names no object');
  if (named.length > 1) throw badRequest(`A permission applies to one object, the body names ${named.join(', ')}`);
  return named.length ? { [named[0]]: body[named[0]] } : {};
}

/** Checks a new permission's role and grantee; objects it names must exist. */
async function preparePermission(call: Call, collection: CollectionService, body: Obj): Promise<Obj> {
  const role = await resolve(call.repo, T.Role, body.role, 'role');
  const out: Obj = { role: refTo(role) };
  // The grantee of a user's or group's permissions is the one the URL names.
  const grantees = granteeOf(collection) ? {} : Object.fromEntries(GRANTEES.map((g) => [g, body[g]]));
  for (const [name, ref] of Object.entries({ ...grantees, ...permissionObject(collection, call.scope, body) })) {
    if (!isObj(ref)) continue;
    const a = T.Permission.attributes.find((x) => x.name === name)!;
    out[name] = refTo(await resolve(call.repo, a.type() as typeof T.User, ref, name));
  }
  return out;
}

export const isSystemWide = (p: Obj) => PERMISSION_OBJECTS.every((name) => p[name] === undefined);

function permissionServices(collection: CollectionService, entity: EntityService, systemWide: boolean) {
  const stored = storedCollection(collection, { prepare: (call, body) => preparePermission(call, collection, body) });
  return [
    implement(collection, {
      list: async (call, o) => (await stored.list(call, systemWide ? {} : o)).filter((p) => !systemWide || isSystemWide(p)).slice(0, o.max),
      add: stored.add,
    }),
    implement(entity, storedEntity(collection, entity)),
  ];
}

export const permissions = [
  ...permissionServices(S.SystemPermissions, S.SystemPermissions.entity(), true),
  ...Object.values(S.AssignedPermissions).flatMap((collection) => permissionServices(collection, collection.entity(), false)),
];
