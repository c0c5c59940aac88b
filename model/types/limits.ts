// oVirt's limits on what a virtual machine may ask for (its engine configuration defaults for
// the newest cluster level, x86_64), shared by the types that declare memory and CPUs.
import { Range } from '../meta';

/** VM64BitMaxMemorySizeInMB: 16 TiB. */
const MAX_MEMORY = 16 * 2 ** 40;

/** Memory a VM or template is given, in bytes: something, and at most the maximum. */
export const MEMORY: Range = { min: 1, max: MAX_MEMORY };
/** Memory guaranteed to a VM, in bytes: possibly none. */
export const GUARANTEED_MEMORY: Range = { min: 0, max: MAX_MEMORY };
/** MaxNumOfVmSockets. */
export const SOCKETS: Range = { min: 1, max: 10000 };
/** MaxNumOfCpuPerSocket. */
export const CORES_PER_SOCKET: Range = { min: 1, max: 254 };
/** MaxNumOfThreadsPerCpu. */
export const THREADS_PER_CORE: Range = { min: 1, max: 8 };
/** MaxNumOfVmCpus: sockets × cores × threads. */
export const MAX_VCPUS = 710;
/** Guaranteed memory is at most the memory, which is at most the maximum memory (hot plug's ceiling). */
export const MEMORY_ORDER: readonly (readonly [string, string])[] = [['memory_policy.guaranteed', 'memory'], ['memory', 'memory_policy.max']];
