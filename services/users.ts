// The users of the engine and of its internal directory (`/users`, `/domains/{id}/users`): a
// directory account becomes an engine user when added or on its first login.
import { randomUUID } from 'node:crypto';
import * as S from '../model/services';
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { Call, implement } from './behaviour';
import { ADMIN_USER_ID, INTERNAL_DOMAIN, internalDomainId } from './store/seed';
import { badRequest, conflict, notFound } from './fault';
import { refTo, resolve } from './refs';
import { removeOwnedBy } from './ownership';
import { Account, accountName, accounts, engineUser, groupRefs, groupsOf, setPassword } from '../sso/directory';
import { isSystemWide } from './identity';
import { revokeUserCredentials } from '../sso/tokens';

/** An account as the domain's users collection shows it. */
function accountUser(a: Account): Obj {
  return {
    id: a.id,
    name: a.name,
    user_name: `${a.name}@${INTERNAL_DOMAIN}`,
    principal: a.name,
    namespace: '*',
    domain: { id: internalDomainId(), name: INTERNAL_DOMAIN },
    groups: groupRefs(a),
  };
}

function checkDomain(id: string): void {
  if (id !== internalDomainId()) throw notFound(`Domain '${id}' does not exist`);
}

export const domainUsers = implement(S.DomainUsers, {
  async list(call, o) {
    checkDomain(call.scope[0]);
    const q = accounts(call.repo.db).orderBy('name');
    if (o.max !== undefined) q.limit(o.max);
    return (await q).map(accountUser);
  },
  async add(call, body) {
    checkDomain(call.scope[0]);
    const name = accountName(String(body.user_name));
    if (!name || !/^[A-Za-z0-9._-]+$/.test(name)) throw badRequest(`'${String(body.user_name)}' is not a valid internal user name`);
    if (await accounts(call.repo.db).where('name', name).first()) throw conflict(`The internal domain already has a user named '${name}'`);
    const given = Array.isArray(body.groups) ? body.groups : [];
    const groups = await Promise.all(given.map((g) => resolve(call.repo, T.Group, g, 'groups.group')));
    const account: Account = { id: randomUUID(), name, hash: null, groups: JSON.stringify(groups.map((g) => g.id)) };
    await accounts(call.repo.db).insert(account);
    await setPassword(call.repo.db, account.id, String(body.password));
    return accountUser(account);
  },
});

export const domainUser = implement(S.DomainUser, {
  async get(call) {
    checkDomain(call.scope[0]);
    const a = await accounts(call.repo.db).where('id', call.scope[1]).first();
    if (!a) throw notFound(`User '${call.scope[1]}' does not exist in ${INTERNAL_DOMAIN}`);
    return accountUser(a);
  },
});

/** Adds a directory account to the engine's users: `<user><user_name>joe@internal-authz</user_name>...`. */
export const users = implement(S.Users, {
  list: (call, o) => call.repo.list(T.User, {}, o),
  listsSeen: true,
  async add(call, body) {
    const domain = body.domain as Obj;
    if (domain.id !== internalDomainId() && domain.name !== INTERNAL_DOMAIN) throw notFound(`Domain '${String(domain.name ?? domain.id)}' does not exist`);
    const name = accountName(String(body.user_name));
    const account = name === undefined ? undefined : await accounts(call.repo.db).where('name', name).first();
    if (!account) throw notFound(`User '${String(body.user_name)}' does not exist in ${INTERNAL_DOMAIN}`);
    if (await call.repo.get(T.User, account.id)) throw conflict(`User '${account.name}' is already added`);
    return engineUser(call.repo, account);
  },
});

export const userEntity = implement(S.UserEntity, {
  // Its options are shown as properties too, as oVirt's `user_options`.
  async get(call) {
    const user = await call.repo.get(T.User, call.scope[0]);
    if (!user) throw notFound(`User '${call.scope[0]}' does not exist`);
    const options = await call.repo.list(T.UserOption, { user: user.id });
    return options.length ? { ...user, user_options: options.map((o) => ({ name: o.name, value: o.content })) } : user;
  },
  /** The one change a user may make: its own password. The old one's tokens and sessions end with it. */
  async update(call, body) {
    const user = await call.repo.get(T.User, call.scope[0]);
    if (!user) throw notFound(`User '${call.scope[0]}' does not exist`);
    if (body.password === undefined) throw badRequest('Only the password of a user can be changed');
    await setPassword(call.repo.db, user.id, body.password);
    await revokeUserCredentials(call.repo.db, user.id);
    return user;
  },
  async remove(call) {
    const id = call.scope[0];
    if (id === ADMIN_USER_ID) throw conflict('The built-in admin user cannot be removed');
    if (!(await call.repo.remove(T.User, id))) throw notFound(`User '${id}' does not exist`);
    await removeOwnedBy(call.repo, T.User, id);
    await call.repo.db('api_token_secrets').where('user_id', id).delete();
  },
});

// --- what users and groups hold ----------------------------------------------

/** The groups of the user at `call.scope`, which must exist. */
async function groupsOfUser(call: Call): Promise<Obj[]> {
  const user = await call.repo.get(T.User, call.scope[0]);
  if (!user) throw notFound(`User '${call.scope[0]}' does not exist`);
  const found = await Promise.all((await groupsOf(call.repo, user.id)).map((id) => call.repo.get(T.Group, id)));
  return found.filter((g) => g !== undefined);
}

export const userGroups = implement(S.DomainUserGroups, { list: async (call, o) => (await groupsOfUser(call)).slice(0, o.max) });
export const userGroup = implement(S.DomainUserGroup, {
  async get(call) {
    const group = (await groupsOfUser(call)).find((g) => g.id === call.scope[1]);
    if (!group) throw notFound(`The user is in no group '${call.scope[1]}'`);
    return group;
  },
});

/**
 * The roles given on the whole system to a user, itself or through its groups, or to a group, as
 * oVirt lists them: each once, naming the user.
 */
function assignedRoleServices(grantee: 'user' | 'group', collection: typeof S.AssignedRoles.user) {
  const holder = grantee === 'user' ? T.User : T.Group;
  const held = async (call: Call): Promise<Obj[]> => {
    const owner = await call.repo.get(holder, call.scope[0]);
    if (!owner) throw notFound(`${holder.name} '${call.scope[0]}' does not exist`);
    const groups = grantee === 'user' ? await groupsOf(call.repo, owner.id) : [];
    const permissions = [
      ...(await call.repo.list(T.Permission, { [grantee]: owner.id })),
      ...(await Promise.all(groups.map((g) => call.repo.list(T.Permission, { group: g })))).flat(),
    ].filter(isSystemWide);
    const ids = [...new Set(permissions.map((p) => String(p.role?.id)))];
    const roles = (await Promise.all(ids.map((id) => call.repo.get(T.Role, id)))).filter((r) => r !== undefined);
    return grantee === 'user' ? roles.map((r) => ({ ...r, user: refTo(owner) })) : roles;
  };
  return [
    implement(collection, { list: async (call, o) => (await held(call)).slice(0, o.max) }),
    implement(collection.entity(), {
      async get(call) {
        const role = (await held(call)).find((r) => r.id === call.scope[1]);
        if (!role) throw notFound(`${holder.name} '${call.scope[0]}' holds no role '${call.scope[1]}'`);
        return role;
      },
    }),
  ];
}

export const assignedRoles = [assignedRoleServices('user', S.AssignedRoles.user), assignedRoleServices('group', S.AssignedRoles.group)].flat();
