// The CPU types of each cluster level the engine supports, as oVirt's engine lists them (facts from
// ovirt-engine's ServerCPUList per version in packaging/dbscripts/upgrade/pre_upgrade/0000_config.sql),
// in its order.

export interface CpuTypeFact {
  readonly name: string;
  /** Rank among the types of one vendor and architecture. */
  readonly level: number;
  readonly architecture: 'x86_64' | 'ppc64' | 's390x';
}

export const CPU_TYPES: Readonly<Record<string, readonly CpuTypeFact[]>> = {
  '4.7': [
    { name: 'Intel Nehalem Family', level: 1, architecture: 'x86_64' },
    { name: 'Secure Intel Nehalem Family', level: 2, architecture: 'x86_64' },
    { name: 'Intel Westmere Family', level: 3, architecture: 'x86_64' },
    { name: 'Secure Intel Westmere Family', level: 4, architecture: 'x86_64' },
    { name: 'Intel SandyBridge Family', level: 5, architecture: 'x86_64' },
    { name: 'Secure Intel SandyBridge Family', level: 6, architecture: 'x86_64' },
    { name: 'Intel IvyBridge Family', level: 7, architecture: 'x86_64' },
    { name: 'Secure Intel IvyBridge Family', level: 8, architecture: 'x86_64' },
    { name: 'Intel Haswell Family', level: 9, architecture: 'x86_64' },
    { name: 'Secure Intel Haswell Family', level: 10, architecture: 'x86_64' },
    { name: 'Intel Broadwell Family', level: 11, architecture: 'x86_64' },
    { name: 'Secure Intel Broadwell Family', level: 12, architecture: 'x86_64' },
    { name: 'Intel Skylake Client Family', level: 13, architecture: 'x86_64' },
    { name: 'Secure Intel Skylake Client Family', level: 14, architecture: 'x86_64' },
    { name: 'Intel Skylake Server Family', level: 15, architecture: 'x86_64' },
    { name: 'Secure Intel Skylake Server Family', level: 16, architecture: 'x86_64' },
    { name: 'Intel Cascadelake Server Family', level: 17, architecture: 'x86_64' },
    { name: 'Secure Intel Cascadelake Server Family', level: 18, architecture: 'x86_64' },
    { name: 'Intel Icelake Server Family', level: 19, architecture: 'x86_64' },
    { name: 'Secure Intel Icelake Server Family', level: 20, architecture: 'x86_64' },
    { name: 'AMD Opteron G4', level: 1, architecture: 'x86_64' },
    { name: 'AMD Opteron G5', level: 2, architecture: 'x86_64' },
    { name: 'AMD EPYC', level: 3, architecture: 'x86_64' },
    { name: 'Secure AMD EPYC', level: 4, architecture: 'x86_64' },
    { name: 'IBM POWER8', level: 1, architecture: 'ppc64' },
    { name: 'IBM POWER9', level: 2, architecture: 'ppc64' },
    { name: 'IBM z114, z196', level: 1, architecture: 's390x' },
    { name: 'IBM zBC12, zEC12', level: 2, architecture: 's390x' },
    { name: 'IBM z13s, z13', level: 3, architecture: 's390x' },
    { name: 'IBM z14', level: 4, architecture: 's390x' },
  ],
};
