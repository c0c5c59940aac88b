// What the engine and a host agent say to each other, as JSON over their mutual-TLS link. The
// engine decides (placement, rules, jobs); the agent runs what it is told and reports what runs.

/** A disk of a guest: the active volume's file (qcow2 chains are followed from its header). */
export interface GuestDisk {
  id: string;
  file: string;
  format: 'raw' | 'qcow2';
  interface: 'virtio' | 'virtio_scsi' | 'sata' | 'ide';
  readOnly: boolean;
  /** The disk's place in the boot order; absent when it is not booted from. */
  bootIndex?: number;
}

export interface GuestNic {
  id: string;
  mac: string;
  model: 'virtio' | 'e1000' | 'rtl8139';
  /** The name of the NIC's network: a host with a bridge of that name puts the NIC on it. */
  network?: string;
}

/** What a guest runs with: the VM's configuration, with every file already resolved to a path. */
export interface GuestSpec {
  id: string;
  name: string;
  memoryMiB: number;
  cpu: { sockets: number; cores: number; threads: number };
  disks: GuestDisk[];
  /** The CD-ROM drive: its ISO file, if one is inserted, and its place in the boot order. */
  cdrom: { file?: string; bootIndex?: number };
  nics: GuestNic[];
  /** Booting a kernel directly (oVirt's `os.kernel`, `os.initrd`, `os.cmdline`). */
  kernel?: { file: string; initrd?: string; cmdline?: string };
  /** Whether the guest boots from the network, and where in the order. */
  networkBootIndex?: number;
  display: 'vnc' | 'spice' | 'none';
  /** A NoCloud seed the agent makes into an ISO for cloud-init. */
  cloudInit?: { userData: string; metaData: string; networkConfig?: string };
  /**
   * Where the guest's state comes from: an incoming live migration, or a file of saved state; a
   * `consumed` file (a suspend's) goes once the guest runs from it, another (a snapshot's memory) stays.
   */
  incoming?: { migration: true } | { file: string; consumed?: boolean };
  /**
   * What each PCIe root port holds, by port: the id of a virtio disk or a NIC, or null when free.
   * Absent at a start, where the agent lays them out from the spec; a migration's target gets the
   * source's (hot-plugged devices and all), as QEMU takes a guest's state only into the same layout.
   */
  ports?: (string | null)[];
}

/** What a guest is doing, as its host sees it. */
export type GuestStatus =
  | 'starting'
  | 'powering_up'
  | 'up'
  | 'powering_down'
  | 'paused'
  | 'saving_state'
  | 'restoring_state'
  | 'migrating_out'
  | 'migrating_in'
  | 'down';

/** Why a guest is down. */
export interface GuestExit {
  reason: 'shutdown' | 'stopped' | 'migrated' | 'saved' | 'crashed' | 'failed';
  message: string;
}

/** What qemu-guest-agent in a guest tells of it; absent while no agent answers there. */
export interface GuestAgentFacts {
  /** `guest-get-osinfo`: the os-release fields and uname of the guest. */
  os: { id?: string; name?: string; version?: string; versionId?: string; kernelRelease?: string; machine?: string };
  hostname?: string;
  /** `guest-get-timezone`: the zone's name and its offset from UTC in seconds. */
  timezone?: { zone?: string; offset: number };
  /** `guest-network-get-interfaces`, less loopback. */
  interfaces: { name: string; mac?: string; addresses: { address: string; prefix: number; version: 'v4' | 'v6' }[] }[];
}

/** One guest of a host, as the agent reports it. */
export interface GuestState {
  id: string;
  status: GuestStatus;
  accelerator: 'kvm' | 'tcg';
  pid?: number;
  exit?: GuestExit;
  /** Where the guest's consoles listen on the host: SPICE on a plain port and a TLS one. */
  consoles: { vnc?: number; spice?: number; spiceTls?: number };
  /** An incoming migration's port; an outgoing one's progress in percent, or how it ended short and why. */
  migration?: { port?: number; progress?: number; failed?: 'failed' | 'cancelled'; error?: string };
  guestAgent?: GuestAgentFacts;
  /** What the running guest's root ports hold now (see `GuestSpec.ports`). */
  ports?: (string | null)[];
}

/** What a host has, read from the machine itself. */
export interface HostCapabilities {
  hostname: string;
  memory: number;
  freeMemory: number;
  cpu: { model: string; speedMhz: number; sockets: number; cores: number; threads: number; flags: string[] };
  kvm: boolean;
  qemuVersion: string;
  kernel: string;
  os: { name: string; version: string };
  nics: { name: string; mac: string; address?: string; mtu: number; speed?: number; up: boolean }[];
  /** The load of the host's CPUs in percent, since the last report. */
  cpuLoad: number;
}

/** Live figures of a running guest. */
export interface GuestStatistics {
  cpuSeconds: number;
  memory: { total: number; balloon?: number };
  disks: { id: string; readBytes: number; writeBytes: number; readOps: number; writeOps: number; flushOps: number }[];
  nics: { id: string; rxBytes: number; txBytes: number }[];
}

/** The agent's part of an enrollment: its certificate request, answered to the holder of the one-time secret. */
export interface EnrollmentRequest {
  csr: string;
}

/** The engine's part: the agent's certificate signed by the engine CA, and the CA itself. */
export interface EnrollmentGrant {
  secret: string;
  certificate: string;
  ca: string;
}

/** The common name of the engine's client certificate, the only caller an enrolled agent accepts. */
export const ENGINE_CLIENT_NAME = 'hangar-engine';

/**
 * The SPICE channels a guest serves over TLS only, as oVirt's default `SpiceSecureChannels`: the
 * ticket, the screen and the keyboard never travel in plain. QEMU is told them, and so is
 * remote-viewer (the `.vv` file's `secure-channels`).
 */
export const SPICE_SECURE_CHANNELS = ['main', 'inputs', 'cursor', 'playback', 'record', 'display', 'smartcard', 'usbredir'] as const;
