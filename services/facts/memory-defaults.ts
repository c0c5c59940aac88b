// What oVirt gives the memory of a VM, template or instance type that is not told otherwise:
// 1 GiB (VmBase's default), all of it guaranteed, room to hot-plug up to four times it
// (VmCommonUtils' default maximum), and a balloon device. Clients such as Ansible's
// ovirt_instance_type read `memory_policy` of every such object, so every one has it.
import { Obj } from '../../model/codec';

export const DEFAULT_MEMORY = 2 ** 30;
const MAX_MEMORY_FACTOR = 4;

type MemoryHolder = { memory?: number; memory_policy?: { guaranteed?: number; max?: number; ballooning?: boolean } };

/**
 * `merged` (what the object is once made: its own values over its template's or instance type's)
 * with the memory members `given` (what the request itself said) leaves out: when the request
 * sets the memory, the guarantee and the maximum follow it rather than the template's.
 */
export function withMemoryDefaults<O extends Obj>(merged: O, given: Obj): O {
  const out = merged as MemoryHolder;
  const asked = given as MemoryHolder;
  const memory = out.memory ?? DEFAULT_MEMORY;
  const follows = asked.memory !== undefined;
  const policy = out.memory_policy ?? {};
  const askedPolicy = asked.memory_policy ?? {};
  const pick = (name: 'guaranteed' | 'max', value: number) => askedPolicy[name] ?? (follows ? undefined : policy[name]) ?? value;
  return {
    ...merged,
    memory,
    memory_policy: {
      ...policy,
      guaranteed: pick('guaranteed', memory),
      max: pick('max', MAX_MEMORY_FACTOR * memory),
      ballooning: policy.ballooning ?? true,
    },
  };
}
