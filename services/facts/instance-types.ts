// The instance types oVirt's engine installs (its predefined instance types, with their fixed
// ids): memory in MiB and vCPUs, one core per socket.

export interface InstanceTypeFact {
  readonly id: string;
  readonly name: string;
  readonly memoryMiB: number;
  readonly sockets: number;
}

export const INSTANCE_TYPES: readonly InstanceTypeFact[] = [
  { id: '00000003-0003-0003-0003-0000000000be', name: 'Tiny', memoryMiB: 512, sockets: 1 },
  { id: '00000005-0005-0005-0005-0000000002e6', name: 'Small', memoryMiB: 2048, sockets: 1 },
  { id: '00000007-0007-0007-0007-00000000010a', name: 'Medium', memoryMiB: 4096, sockets: 2 },
  { id: '00000009-0009-0009-0009-0000000000f1', name: 'Large', memoryMiB: 8192, sockets: 2 },
  { id: '0000000b-000b-000b-000b-00000000021f', name: 'XLarge', memoryMiB: 16384, sockets: 4 },
];
