// Users for access tests: accounts in the internal domain, roles given by the admin, and clients
// that call as those users.
import assert from 'node:assert/strict';
import * as T from '../../model/types';
import { XML } from '../../model/codec';
import { ApiClient, TestEngine } from './engine';

/** The internal-authz domain, as its id. */
export const DOMAIN = '696e7465726e616c2d617574687a';

/** Makes an account and its user; answers the user's id. */
export async function addUser(admin: ApiClient, name: string, password: string): Promise<string> {
  const account = await admin.call('POST', `/domains/${DOMAIN}/users`, `<user><user_name>${name}</user_name><password>${password}</password></user>`);
  assert.equal(account.status, 201, account.text);
  const user = await admin.call('POST', '/users', `<user><user_name>${name}@internal-authz</user_name><domain><name>internal-authz</name></domain></user>`);
  assert.equal(user.status, 201, user.text);
  return String(XML.read(T.User, user.text).id);
}

/** Gives `role` to the user on the object at `path` (`/vms/{id}`); answers the permission's id. */
export async function give(admin: ApiClient, path: string, role: string, userId: string): Promise<string> {
  const given = await admin.call('POST', `${path}/permissions`, `<permission><role><name>${role}</name></role><user id="${userId}"/></permission>`);
  assert.equal(given.status, 201, given.text);
  return String(XML.read(T.Permission, given.text).id);
}

export function withHeaders(api: ApiClient, extra: Record<string, string>): ApiClient {
  const base = api.headers.bind(api);
  api.headers = (more = {}) => base({ ...extra, ...more });
  return api;
}

/** A client calling as `login`, in the user view unless `filter` is false. */
export async function clientOf(t: TestEngine, login: string, password: string, filter = true): Promise<ApiClient> {
  const api = new ApiClient(t, XML, await t.token(login, password));
  return filter ? withHeaders(api, { Filter: 'true' }) : api;
}

export const vmBody = (name: string, cluster = 'Default') =>
  `<vm><name>${name}</name><cluster><name>${cluster}</name></cluster><template><name>Blank</name></template><os><boot><devices><device>network</device></devices></boot></os></vm>`;
