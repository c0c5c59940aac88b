// What an oVirt cluster has unless it is given otherwise: clients such as Ansible's ovirt_cluster
// compare these members of every cluster they find, so every cluster has them.
import * as T from '../../model/types';
import { ObjOf } from '../../model/meta';
import { POLICIES } from './scheduling';

export const CLUSTER_DEFAULTS: ObjOf<typeof T.Cluster> = {
  memory_policy: { over_commit: { percent: 100 } },
  ballooning_enabled: false,
  ksm: { enabled: true, merge_across_nodes: true },
  threads_as_cores: false,
  ha_reservation: false,
  trusted_service: false,
  maintenance_reason_required: false,
  optional_reason: false,
  virt_service: true,
  gluster_service: false,
  error_handling: { on_error: 'migrate' },
  fencing_policy: {
    enabled: true,
    skip_if_connectivity_broken: { enabled: false, threshold: 50 },
    skip_if_gluster_bricks_up: false,
    skip_if_gluster_quorum_not_met: false,
    skip_if_sd_active: { enabled: false },
  },
  migration: { auto_converge: 'inherit', compressed: 'inherit', encrypted: 'inherit', bandwidth: { assignment_method: 'auto' } },
  firewall_type: 'firewalld',
  // oVirt's default policy (Ansible's ovirt_cluster follows this link of every cluster).
  scheduling_policy: { id: POLICIES.find((p) => p.default)?.id },
};
