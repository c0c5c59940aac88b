// What oVirt gives a VM, template or instance type that is not told otherwise (VmBase's defaults,
// as its Blank template shows them). Clients such as Ansible's ovirt_instance_type read these
// members of every such object they find (`memory_policy.guaranteed`, `cpu.topology.threads`,
// `io.threads`, `usb.enabled`, `high_availability.priority`), so every one has them.
import * as T from '../../model/types';
import { ObjOf } from '../../model/meta';
import { Obj } from '../../model/codec';
import { mergeInto } from '../stored';

/** VmBase's default memory: 1 GiB. */
export const DEFAULT_MEMORY = 2 ** 30;
/** The maximum memory oVirt allows by default (VmCommonUtils): four times the memory, for hot plug. */
const MAX_MEMORY_FACTOR = 4;

const VM_BASE_DEFAULTS: ObjOf<typeof T.VmBase> = {
  cpu: { topology: { sockets: 1, cores: 1, threads: 1 } },
  os: { type: 'other' },
  high_availability: { enabled: false, priority: 0 },
  io: { threads: 0 },
  usb: { enabled: false },
  delete_protected: false,
  stateless: false,
  start_paused: false,
};

type MemoryHolder = { memory?: number; memory_policy?: { guaranteed?: number; max?: number; ballooning?: boolean } };

/**
 * `merged` (the object once made: its own values over its template's or instance type's) with
 * what it still lacks of VmBase's defaults. Of the memory policy, what `given` (the request
 * itself) leaves out follows the memory: when the request sets the memory, the guarantee (all of
 * it) and the maximum (four times it) follow it rather than the template's; a balloon is on.
 */
export function withVmBaseDefaults<O extends Obj>(merged: O, given: Obj): O {
  const out = mergeInto(T.VmBase, VM_BASE_DEFAULTS, merged) as MemoryHolder;
  const asked = given as MemoryHolder;
  const memory = out.memory ?? DEFAULT_MEMORY;
  const follows = asked.memory !== undefined;
  const policy = out.memory_policy ?? {};
  const askedPolicy = asked.memory_policy ?? {};
  const pick = (name: 'guaranteed' | 'max', value: number) => askedPolicy[name] ?? (follows ? undefined : policy[name]) ?? value;
  return {
    ...merged,
    ...out,
    memory,
    memory_policy: {
      ...policy,
      guaranteed: pick('guaranteed', memory),
      max: pick('max', MAX_MEMORY_FACTOR * memory),
      ballooning: policy.ballooning ?? true,
    },
  };
}
