// The interface between the engine and whatever runs hosts and VMs. The services decide what
// happens (placement, rules, states, jobs); a runtime tells what the hardware is and how long
// each state lasts, so a real hypervisor driver can replace the simulated one.
import { Obj } from '../../model/codec';
import { GuestDisk, GuestNic, GuestSpec, GuestState } from '../../model/agent-protocol';

/** What a host reports about itself once installed. */
/** A VM NIC's traffic, received and sent. */
export interface NicIo {
  rx: number;
  tx: number;
  rxTotal: number;
  txTotal: number;
}

export interface HostFacts {
  memory: number;
  cpu: Obj;
  os: Obj;
  version: Obj;
  /** Says what the runtime is, in the host's representation (`type`, `hardware_information`...). */
  hardware_information: Obj;
}

/** A phase of a lifecycle operation and how long the runtime takes for it. */
export type Phase =
  | 'install'
  | 'launch'
  | 'power_up'
  | 'power_down'
  | 'reboot'
  | 'save_state'
  | 'restore_state'
  | 'migrate'
  | 'prepare_maintenance'
  | 'activate'
  | 'power_cycle';

/** A network found on a host that the engine did not put there. */
export interface UnmanagedNetwork {
  name: string;
  /** The name of the interface carrying it. */
  nic: string;
}

/** Where the console of a running VM listens, on its host. */
export interface ConsoleEndpoint {
  address: string;
  port: number;
  /**
   * For protocols that have one (SPICE): the TLS port, and the subject of the certificate served
   * there, which remote-viewer checks (`host-subject`).
   */
  tls?: { port: number; subject: string };
}

/** What the guest agent of a running VM reports; a VM without an agent reports nothing. */
export interface GuestReport {
  /** Whether an agent in the guest does what the engine asks of it: logon and file-system freezes need one. */
  agent: boolean;
  reported_devices: Obj[];
  applications: Obj[];
  sessions: Obj[];
}

/** What the engine asks of a VM's host. */
export type GuestCommand =
  | { op: 'start'; spec: GuestSpec }
  | { op: 'shutdown'; timeoutMs: number }
  | { op: 'stop' }
  | { op: 'reboot' }
  | { op: 'suspend'; file: string }
  | { op: 'migrate'; address: string; port: number; bandwidthMbps?: number }
  | { op: 'cancelmigration' }
  | { op: 'ticket'; password: string; seconds: number }
  | { op: 'cdrom'; file?: string }
  | { op: 'plugdisk'; disk: GuestDisk }
  | { op: 'unplugdisk'; id: string }
  | { op: 'plugnic'; nic: GuestNic }
  | { op: 'unplugnic'; id: string }
  | { op: 'snapshot'; disks: { id: string; file: string }[]; memoryFile?: string };

/**
 * The part of a runtime whose guests really run: the engine sends commands to hosts, and VM
 * states follow what the hosts report rather than durations.
 */
export interface GuestDriver {
  /** Sends a command to the host of a VM; answers once the host has taken it (with the guest's state, when it has one). */
  command(host: Obj, vmId: string, command: GuestCommand): Promise<GuestState | undefined>;
  /** What the guest of a VM does on a host now. */
  state(host: Obj, vmId: string): Promise<GuestState>;
  /** What each host that answers runs, by host id; a host that does not answer is left out. */
  survey(hosts: Obj[]): Promise<Map<string, GuestState[]>>;
  /** Lets a host forget a guest that is down. */
  forget(host: Obj, vmId: string): Promise<void>;
  /** The serial console's output of a guest, from byte `offset` on. */
  serial(host: Obj, vmId: string, offset: number): Promise<{ offset: number; size: number; text: string }>;
}

/** A stable id for the `index`-th item of one kind (`kind` < 16) of a host's hardware. */
export function hardwareId(host: Obj, kind: number, index: number): string {
  const hex = String(host.id).replace(/-/g, '');
  return `${hex.slice(0, 8)}-${(kind * 0x1000 + index).toString(16).padStart(4, '0')}-4000-8000-${hex.slice(-12)}`;
}

export interface Runtime {
  /** Shown in hosts' representations, so nobody mistakes a simulation for a hypervisor. */
  readonly name: string;
  /** Present when guests really run; the simulated runtime moves VMs by durations instead. */
  readonly guests?: GuestDriver;
  /** Installs the host and reports what it has. */
  install(host: Obj): Promise<HostFacts>;
  /** Which of these hosts answer (by id); one that does not goes `non_responsive`. */
  responsive(hosts: Obj[]): Promise<Set<string>>;
  /** How long a phase lasts, in milliseconds. */
  duration(phase: Phase): number;
  /** How often hosts are checked for responsiveness, in milliseconds. */
  readonly monitorInterval: number;
  /** The physical network interfaces of an installed host; the first carries the management network. */
  nics(host: Obj): Obj[];
  /** Networks configured on the host by other means than the engine. */
  unmanagedNetworks(host: Obj): Promise<UnmanagedNetwork[]>;
  /** Takes an unmanaged network off the host. */
  removeUnmanagedNetwork(host: Obj, name: string): Promise<void>;
  /** Current traffic of a host interface, in bytes per second. */
  traffic(nic: Obj): { rx: number; tx: number };
  /** Current I/O of a disk of a running VM: bytes per second and latencies in seconds. */
  diskIo(disk: Obj): { read: number; write: number; readLatency: number; writeLatency: number; flushLatency: number };
  /** Traffic of a running VM's NIC: bytes per second now, and bytes since the guest started. */
  nicIo(vm: Obj, nicId: string): NicIo;
  /** Current figures of a running VM or a host, for statistics. */
  load(kind: 'host' | 'vm', obj: Obj): { cpuPercent: number; memoryUsed: number };
  /** Where the console of `protocol` of a VM running on `host` listens. */
  console(vm: Obj, host: Obj, protocol: 'spice' | 'vnc'): ConsoleEndpoint;
  /** What the guest of a running VM reports. */
  guest(vm: Obj): GuestReport;
  /** The VDSM hooks installed on an installed host. */
  hooks(host: Obj): Obj[];
  /** The devices of an installed host, parents before their children; all but the host itself may be passed to its VMs. */
  devices(host: Obj): Obj[];
  /** The NUMA nodes of an installed host. */
  numaNodes(host: Obj): Obj[];
  /** The logical CPUs of an installed host. */
  cpuUnits(host: Obj): Obj[];
  /** The block storage (LUNs) an installed host sees. */
  blockStorage(host: Obj): Obj[];
  /** Whether updates of the host's packages are available. */
  updatesAvailable(host: Obj): Promise<boolean>;
  /** The power state the host's fence agents report. */
  powerStatus(host: Obj): Promise<'on' | 'off'>;
  /** The memory a host reports it can still give out, where it reports it (real hosts). */
  availableMemory?(host: Obj): number | undefined;
  /** Powers the host on or off through its fence agents; a host powered off does not answer. */
  setPower(host: Obj, on: boolean): Promise<void>;
}
