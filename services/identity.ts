// Users and the authentication domains they come from.
import * as S from '../model/services';
import { Obj } from '../model/codec';
import { implement } from './behaviour';
import { storedCollection, storedEntity } from './stored';
import { notFound } from './fault';
import { INTERNAL_DOMAIN, internalDomainId } from './store/seed';

/** The domains users authenticate against; the internal one is built in. */
function domains(): Obj[] {
  return [{ id: internalDomainId(), name: INTERNAL_DOMAIN }];
}

implement(S.Users, storedCollection(S.Users));
implement(S.UserEntity, storedEntity(S.Users, S.UserEntity));
implement(S.DomainUsers, storedCollection(S.DomainUsers));
implement(S.DomainUser, storedEntity(S.DomainUsers, S.DomainUser));
implement(S.Domains, { list: async (_call, o) => domains().slice(0, o.max) });
implement(S.DomainEntity, {
  async get(call) {
    const found = domains().find((d) => d.id === call.scope[0]);
    if (!found) throw notFound(`Domain '${call.scope[0]}' does not exist`);
    return found;
  },
});
