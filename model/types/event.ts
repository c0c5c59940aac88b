// Audit log events.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, date, defineEntity, enumOf, int, link, own, str, via } from '../meta';
import { Cluster } from './cluster';
import { DataCenter } from './datacenter';
import { LogSeverity } from './enums';
import { Host } from './host';
import { StorageDomain } from './storage';
import { Template } from './template';
import { User } from './user';
import { Vm } from './vm';

export const Event = defineEntity('Event', {
  search: { severity: own('severity'), time: own('time'), type: own('code'), message: own('description'), origin: own('origin'), correlation_id: own('correlation_id'), vm: via('vm'), host: via('host'), cluster: via('cluster'), datacenter: via('data_center'), storage: via('storage_domain'), user: via('user') },
  doc: 'An entry of the audit log.' }, {
  code: int('Numeric code of the event type.', { readOnly: true }),
  correlation_id: str('Identifier that ties related requests together.'),
  custom_data: str('Free-form data attached to the event.'),
  custom_id: int('Identifier given by the client to avoid duplicates.', { column: true }),
  flood_rate: int('Minimum seconds between identical events.'),
  index: int('Sequence number of the event.', { readOnly: true }),
  log_on_host: bool('Whether the event is also logged on the host.'),
  origin: str('System that produced the event.', { column: true }),
  severity: enumOf(LogSeverity, 'Severity of the event.'),
  time: date('When the event happened.', { readOnly: true }),
  cluster: link(() => Cluster, 'Cluster the event relates to.'),
  data_center: link(() => DataCenter, 'Data center the event relates to.'),
  host: link(() => Host, 'Host the event relates to.'),
  storage_domain: link(() => StorageDomain, 'Storage domain the event relates to.'),
  template: link(() => Template, 'Template the event relates to.'),
  user: link(() => User, 'User the event relates to.'),
  vm: link(() => Vm, 'Virtual machine the event relates to.'),
});
