// Backups of a VM's disks and the checkpoints they leave, as oVirt 4.4+ has them.
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { date, defineEntity, enumOf, link, links, str } from '../meta';
import { BackupPhase, CheckpointState } from './enums';
import { Disk } from './disk';
import { Host } from './host';
import { Snapshot, Vm } from './vm';

export const Backup = defineEntity('Backup', { inherits: 'vm', doc: 'A backup of virtual machine disks, full or since a checkpoint.' }, {
  creation_date: date('When the backup was created.', { readOnly: true }),
  from_checkpoint_id: str('Checkpoint the backup starts from: only what changed since is dirty (incremental).'),
  modification_date: date('When the backup last changed.', { readOnly: true }),
  phase: enumOf(BackupPhase, 'Phase of the backup.', { readOnly: true, column: true }),
  to_checkpoint_id: str('Checkpoint this backup makes: the next backup may start from it.'),
  disks: links(() => Disk, 'Disks the backup holds.', { rel: 'disks' }),
  host: link(() => Host, 'Host that runs the backup.', { readOnly: true }),
  snapshot: link(() => Snapshot, 'Snapshot made for the backup, when it uses one.', { readOnly: true }),
  vm: link(() => Vm, 'Virtual machine backed up.'),
});

export const Checkpoint = defineEntity('Checkpoint', { inherits: 'vm', doc: 'A point of a VM\'s disks that incremental backups start from.' }, {
  creation_date: date('When the checkpoint was made.', { readOnly: true }),
  parent_id: str('The checkpoint made before this one.', { readOnly: true }),
  state: enumOf(CheckpointState, 'Whether the checkpoint can still start an incremental backup.', { readOnly: true }),
  disks: links(() => Disk, 'Disks the checkpoint covers.', { readOnly: true, rel: 'disks' }),
  vm: link(() => Vm, 'Virtual machine of the checkpoint.', { readOnly: true }),
});
