// Which objects carry which tags. oVirt's model has no type for it: its engine keeps one table
// per kind of tagged object. Here one table keeps them all, each row linking a tag to one object;
// no collection serves it, the assigned tags of each object (`/vms/{id}/tags`) show what it holds,
// and the `tag` search field of those objects reads it.

import { defineEntity, link, via } from '../meta';
import { Host } from './host';
import { Template } from './template';
import { Group, Tag, User } from './user';
import { Vm } from './vm';

export const TagAssignment = defineEntity('TagAssignment', {
  doc: 'A tag given to one object.',
  // A tag is searched with the tags under it, as oVirt's is: `tag=web` finds what carries web or a tag below it.
  search: { tag: via('tag', 'name', 'parent') },
}, {
  tag: link(() => Tag, 'The tag given.'),
  group: link(() => Group, 'The group that has the tag.'),
  host: link(() => Host, 'The host that has the tag.'),
  template: link(() => Template, 'The template that has the tag.'),
  user: link(() => User, 'The user that has the tag.'),
  vm: link(() => Vm, 'The virtual machine that has the tag.'),
});
