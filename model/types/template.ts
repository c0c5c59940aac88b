// Templates and instance types: what virtual machines are made from.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { defineEntity, defineStruct, enumOf, int, link, linkedFrom, links, own, str, struct, via } from '../meta';
import { DiskAttachment } from './disk';
import { TemplateStatus } from './enums';
import { GraphicsConsole, VmMediatedDevice, Watchdog } from './devices';
import { Nic } from './network';
import { Permission, Tag } from './user';
import { TagAssignment } from './tag';
import { Cdrom, Vm, VmBase } from './vm';

export const Template = defineEntity('Template', {
  search: {
    status: own('status'), memory: own('memory'), cluster: via('cluster'),
    // A template without a cluster (Blank) belongs to every data center, as in oVirt.
    datacenter: { kind: 'link', links: ['cluster', 'data_center'], field: 'name', unlinkedInAll: true },
    tag: linkedFrom(() => TagAssignment, 'template', 'tag'),
  },
  extends: () => VmBase, doc: 'A read-only image from which virtual machines are created.' }, {
  status: enumOf(TemplateStatus, 'Current status of the template.', { readOnly: true, column: true }),
  version: struct(() => TemplateVersion, 'Template version details.'),
  vm: struct(() => Vm, 'Virtual machine the template was made from.'),
  cdroms: links(() => Cdrom, 'CD-ROM drives of the virtual machine.', { rel: 'cdroms' }),
  disk_attachments: links(() => DiskAttachment, 'Disks attached to the virtual machine.', { rel: 'diskattachments' }),
  graphics_consoles: links(() => GraphicsConsole, 'Graphical consoles.', { rel: 'graphicsconsoles' }),
  mediated_devices: links(() => VmMediatedDevice, 'Mediated devices.', { rel: 'mediateddevices' }),
  nics: links(() => Nic, 'Network interfaces of the template.', { rel: 'nics' }),
  permissions: links(() => Permission, 'Permissions granted on the object.', { rel: 'permissions' }),
  tags: links(() => Tag, 'Tags attached.', { rel: 'tags' }),
  watchdogs: links(() => Watchdog, 'Watchdog devices.', { rel: 'watchdogs' }),
});

export const TemplateVersion = defineStruct('TemplateVersion', { doc: 'Version information of a template.' }, {
  version_name: str('Name of the template version.'),
  version_number: int('Number of the template version.', { readOnly: true }),
  base_template: link(() => Template, 'Template this one is a version of.'),
});

export const InstanceType = defineEntity('InstanceType', { search: {}, extends: () => Template, doc: 'A predefined set of hardware settings for virtual machines.' }, {});
