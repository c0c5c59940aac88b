// Users, groups, directories, tags, roles and permissions.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, enumOf, link, linkedFrom, links, listOf, own, str, struct, via } from '../meta';
import { Cluster } from './cluster';
import { Property } from './common';
import { NotifiableEvent, NotificationMethod } from './enums';
import { DataCenter } from './datacenter';
import { Disk } from './disk';
import { Host } from './host';
import { Network, VnicProfile } from './network';
import { MacPool } from './mac-pool';
import { Quota } from './quota';
import { CpuProfile, DiskProfile } from './config';
import { StorageDomain } from './storage';
import { Template } from './template';
import { TagAssignment } from './tag';
import { Vm } from './vm';
import { VmPool } from './vm-pool';

export const User = defineEntity('User', {
  search: {
    user_name: own('user_name'), last_name: own('last_name'), email: own('email'), principal: own('principal'), tag: linkedFrom(() => TagAssignment, 'user', 'tag'),
    // The names oVirt's user search gives these fields.
    usrname: own('user_name'), name: own('name'), lastname: own('last_name'), login: own('principal'), department: own('department'),
    directory: own('domain.name'), group: linkedFrom(() => GroupMembership, 'user', 'group'),
    // The roles given to the user itself, anywhere (oVirt's engine searched these as `role` before 3.6).
    role: linkedFrom(() => Permission, 'user', 'role'),
  },
  doc: 'A user coming from a directory.' }, {
  department: str('Department of the user.'),
  domain_entry_id: str('Identifier of the entry in the directory.'),
  email: str('E-mail address.'),
  last_name: str('Family name.'),
  logged_in: bool('Whether the user is logged in.', { readOnly: true }),
  namespace: str('Directory namespace of the entry.'),
  password: str('Password of the user.', { secret: true }),
  principal: str('Principal name in the directory.'),
  user_name: str('User name.'),
  user_options: listOf(() => Property, 'User preferences.'),
  domain: link(() => Domain, 'Authentication domain.'),
  groups: links(() => Group, 'Groups the user belongs to.', { rel: 'groups' }),
  options: links(() => UserOption, 'Preferences stored for the user.', { rel: 'options' }),
  permissions: links(() => Permission, 'Permissions of the user.', { rel: 'permissions' }),
  roles: links(() => Role, 'Roles.', { rel: 'roles' }),
  ssh_public_keys: links(() => SshPublicKey, 'SSH public keys of the user.', { rel: 'sshpublickeys' }),
  tags: links(() => Tag, 'Tags attached.', { rel: 'tags' }),
});

/**
 * A user's membership of a group, as the directory told it when the user was added. oVirt's model
 * has no type for it; the user's groups (`/users/{id}/groups`), its permissions through them and
 * the `group` search field read it.
 */
export const GroupMembership = defineEntity('GroupMembership', {
  doc: 'A user in a group.',
  search: { group: via('group') },
}, {
  group: link(() => Group, 'The group.'),
  user: link(() => User, 'The user in the group.'),
});

export const SshPublicKey = defineEntity('SshPublicKey', { doc: 'An SSH public key of a user.' }, {
  content: str('The key, in the OpenSSH format.'),
  user: link(() => User, 'The user the key is of.'),
});

export const UserOption = defineEntity('UserOption', { doc: 'A stored user preference.' }, {
  content: str('JSON content encoded as string.'),
  user: link(() => User, 'The user the option is of.'),
});

export const EventSubscription = defineEntity('EventSubscription', { doc: 'A user told of each event of one kind; its id is the event.' }, {
  event: enumOf(NotifiableEvent, 'The event subscribed to.'),
  user: link(() => User, 'The subscribing user.'),
  notification_method: enumOf(NotificationMethod, 'How the user is told: SMTP only.'),
  address: str('The e-mail address the notifications go to.'),
});

export const Group = defineEntity('Group', {
  search: { tag: linkedFrom(() => TagAssignment, 'group', 'tag') },
  doc: 'A group of users coming from a directory.' }, {
  domain_entry_id: str('Identifier of the entry in the directory.'),
  namespace: str('Directory namespace of the entry.'),
  domain: link(() => Domain, 'Authentication domain.'),
  permissions: links(() => Permission, 'Permissions of the group.', { rel: 'permissions' }),
  roles: links(() => Role, 'Roles.', { rel: 'roles' }),
  tags: links(() => Tag, 'Tags attached.', { rel: 'tags' }),
});

export const Domain = defineEntity('Domain', { computed: true, doc: 'An authentication domain (directory) the engine is connected to.' }, {
  user: struct(() => User, 'User used to query the directory.'),
  groups: links(() => Group, 'Groups in the directory.', { rel: 'groups' }),
  users: links(() => User, 'Users in the directory.', { rel: 'users' }),
});

// Searched by name from what carries tags (`vms?search=tag=web`); the tags collection itself takes no search, as oVirt's.
export const Tag = defineEntity('Tag', { search: {}, doc: 'A label that can be attached to objects; tags form a tree.' }, {
  group: link(() => Group, 'Group the tag is attached to.'),
  host: link(() => Host, 'Host the tag is attached to.'),
  parent: link(() => Tag, 'Parent tag.'),
  template: link(() => Template, 'Template the tag is attached to.'),
  user: link(() => User, 'User the tag is attached to.'),
  vm: link(() => Vm, 'Virtual machine the tag is attached to.'),
});

export const Role = defineEntity('Role', { search: {}, doc: 'A named set of permits.' }, {
  administrative: bool('Whether the role is for administrators.'),
  mutable: bool('Whether the role can be changed.', { readOnly: true }),
  permits: links(() => Permit, 'Permits included in the role.', { rel: 'permits' }),
  user: link(() => User, 'User the role relates to.'),
});

export const Permission = defineEntity('Permission', { search: { role: via('role') }, doc: 'Grants a role to a user or group on an object.' }, {
  cluster: link(() => Cluster, 'Cluster the permission applies to.'),
  data_center: link(() => DataCenter, 'Data center the permission applies to.'),
  disk: link(() => Disk, 'Disk the permission applies to.'),
  group: link(() => Group, 'Group that receives the permission.'),
  host: link(() => Host, 'Host the permission applies to.'),
  role: link(() => Role, 'Role granted.'),
  storage_domain: link(() => StorageDomain, 'Storage domain the permission applies to.'),
  template: link(() => Template, 'Template the permission applies to.'),
  user: link(() => User, 'User that receives the permission.'),
  vm: link(() => Vm, 'Virtual machine the permission applies to.'),
  vm_pool: link(() => VmPool, 'Virtual machine pool.'),
  // Hangar extension: oVirt serves permissions on networks but its Permission has no link for them.
  network: link(() => Network, 'Network the permission applies to.'),
  // Hangar extension: oVirt serves permissions on quotas (its QuotaConsumer role) but its Permission has no link for them.
  quota: link(() => Quota, 'Quota the permission applies to.'),
  // Hangar extension: oVirt gives roles on MAC pools, with no link for them.
  mac_pool: link(() => MacPool, 'MAC pool the permission applies to.'),
  // Hangar extensions too: oVirt serves permissions on these profiles, with no link for them.
  cpu_profile: link(() => CpuProfile, 'CPU profile the permission applies to.'),
  disk_profile: link(() => DiskProfile, 'Disk profile the permission applies to.'),
  vnic_profile: link(() => VnicProfile, 'vNIC profile the permission applies to.'),
});

export const Permit = defineEntity('Permit', { computed: true, doc: 'A single action a role allows.' }, {
  administrative: bool('Whether the permit belongs to administrative roles.'),
  role: link(() => Role, 'Role the permit is part of.'),
});
