// The CPU types of each cluster level oVirt's engine supports (SupportedClusterLevels 4.2 to 4.7),
// as its ServerCPUList option holds them per level (ovirt-engine's
// packaging/dbscripts/upgrade/pre_upgrade/0000_config.sql), in its order. Each entry is
// `rank:name:flags:QEMU model and feature changes:architecture`; the option's value is the entries
// each followed by `;` and separated by a space, which clients parse (Ansible's hosted-engine role
// takes the QEMU model from it).

export interface CpuTypeFact {
  readonly name: string;
  /** Rank among the types of one vendor and architecture. */
  readonly level: number;
  readonly architecture: 'x86_64' | 'ppc64' | 's390x';
}

/** The Intel types from Nehalem to Broadwell, the same in levels 4.4 to 4.7. */
const INTEL_TO_BROADWELL: readonly string[] = [
  '1:Intel Nehalem Family:vmx,nx,model_Nehalem:Nehalem:x86_64',
  '2:Secure Intel Nehalem Family:vmx,spec_ctrl,ssbd,model_Nehalem:Nehalem,+spec-ctrl,+ssbd:x86_64',
  '3:Intel Westmere Family:aes,vmx,nx,model_Westmere:Westmere:x86_64',
  '4:Secure Intel Westmere Family:aes,vmx,spec_ctrl,ssbd,model_Westmere:Westmere,+pcid,+spec-ctrl,+ssbd:x86_64',
  '5:Intel SandyBridge Family:vmx,nx,model_SandyBridge:SandyBridge:x86_64',
  '6:Secure Intel SandyBridge Family:vmx,spec_ctrl,ssbd,md_clear,model_SandyBridge:SandyBridge,+pcid,+spec-ctrl,+ssbd,+md-clear:x86_64',
  '7:Intel IvyBridge Family:vmx,nx,model_IvyBridge:IvyBridge:x86_64',
  '8:Secure Intel IvyBridge Family:vmx,spec_ctrl,ssbd,md_clear,model_IvyBridge:IvyBridge,+pcid,+spec-ctrl,+ssbd,+md-clear:x86_64',
  '9:Intel Haswell Family:vmx,nx,model_Haswell-noTSX:Haswell-noTSX:x86_64',
  '10:Secure Intel Haswell Family:vmx,spec_ctrl,ssbd,md_clear,model_Haswell-noTSX:Haswell-noTSX,+spec-ctrl,+ssbd,+md-clear:x86_64',
  '11:Intel Broadwell Family:vmx,nx,model_Broadwell-noTSX:Broadwell-noTSX:x86_64',
  '12:Secure Intel Broadwell Family:vmx,spec_ctrl,ssbd,md_clear,model_Broadwell-noTSX:Broadwell-noTSX,+spec-ctrl,+ssbd,+md-clear:x86_64',
];

/** The AMD, POWER and Z types, the same in levels 4.4 to 4.7. */
const AMD_IBM: readonly string[] = [
  '1:AMD Opteron G4:svm,nx,model_Opteron_G4:Opteron_G4:x86_64',
  '2:AMD Opteron G5:svm,nx,model_Opteron_G5:Opteron_G5:x86_64',
  '3:AMD EPYC:svm,nx,model_EPYC:EPYC:x86_64',
  '4:Secure AMD EPYC:svm,nx,ibpb,ssbd,model_EPYC:EPYC,+ibpb,+virt-ssbd:x86_64',
  '1:IBM POWER8:powernv,model_POWER8:POWER8:ppc64',
  '2:IBM POWER9:powernv,model_POWER9:POWER9:ppc64',
  '1:IBM z114, z196:sie,model_z196-base:z196-base:s390x',
  '2:IBM zBC12, zEC12:sie,model_zEC12-base:zEC12-base:s390x',
  '3:IBM z13s, z13:sie,model_z13-base:z13-base:s390x',
  '4:IBM z14:sie,model_z14-base:z14-base:s390x',
];

/** The same in levels 4.5 to 4.7. */
const SINCE_4_5: readonly string[] = [
  ...INTEL_TO_BROADWELL,
  '13:Intel Skylake Client Family:vmx,nx,model_Skylake-Client:Skylake-Client,-hle,-rtm,-mpx:x86_64',
  '14:Secure Intel Skylake Client Family:vmx,ssbd,md_clear,model_Skylake-Client-noTSX-IBRS:Skylake-Client-noTSX-IBRS,+ssbd,+md-clear,-mpx:x86_64',
  '15:Intel Skylake Server Family:vmx,nx,model_Skylake-Server:Skylake-Server,-hle,-rtm,-mpx:x86_64',
  '16:Secure Intel Skylake Server Family:vmx,ssbd,md_clear,model_Skylake-Server-noTSX-IBRS:Skylake-Server-noTSX-IBRS,+ssbd,+md-clear,-mpx:x86_64',
  '17:Intel Cascadelake Server Family:vmx,model_Cascadelake-Server:Cascadelake-Server,-hle,-rtm,-mpx:x86_64',
  '18:Secure Intel Cascadelake Server Family:vmx,model_Cascadelake-Server-noTSX:Cascadelake-Server-noTSX,-mpx:x86_64',
  '19:Intel Icelake Server Family:vmx,model_Icelake-Server-noTSX:Icelake-Server-noTSX,-mpx:x86_64',
  '20:Secure Intel Icelake Server Family:vmx,arch-capabilities,rdctl-no,ibrs-all,skip-l1dfl-vmentry,mds-no,pschange-mc-no,model_Icelake-Server-noTSX:Icelake-Server-noTSX,+arch-capabilities,+rdctl-no,+ibrs-all,+skip-l1dfl-vmentry,+mds-no,+pschange-mc-no,-mpx:x86_64',
  ...AMD_IBM,
];

/** ServerCPUList's entries by level, oldest first. */
const SERVER_CPU_LISTS: Readonly<Record<string, readonly string[]>> = {
  '4.2': [
    '3:Intel Conroe Family:vmx,nx,model_Conroe:Conroe:x86_64',
    '4:Intel Penryn Family:vmx,nx,model_Penryn:Penryn:x86_64',
    '5:Intel Nehalem Family:vmx,nx,model_Nehalem:Nehalem:x86_64',
    '6:Intel Nehalem IBRS Family:vmx,nx,spec_ctrl,model_Nehalem:Nehalem,+spec-ctrl:x86_64',
    '7:Intel Nehalem IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Nehalem:Nehalem,+spec-ctrl,+ssbd:x86_64',
    '8:Intel Nehalem IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Nehalem:Nehalem,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '9:Intel Westmere Family:aes,vmx,nx,model_Westmere:Westmere:x86_64',
    '10:Intel Westmere IBRS Family:aes,vmx,nx,spec_ctrl,model_Westmere:Westmere,+spec-ctrl:x86_64',
    '11:Intel Westmere IBRS SSBD Family:aes,vmx,nx,spec_ctrl,ssbd,model_Westmere:Westmere,+pcid,+spec-ctrl,+ssbd:x86_64',
    '12:Intel Westmere IBRS SSBD MDS Family:aes,vmx,spec_ctrl,ssbd,md_clear,model_Westmere:Westmere,+pcid,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '13:Intel SandyBridge Family:vmx,nx,model_SandyBridge:SandyBridge:x86_64',
    '14:Intel SandyBridge IBRS Family:vmx,nx,spec_ctrl,model_SandyBridge:SandyBridge,+spec-ctrl:x86_64',
    '15:Intel SandyBridge IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_SandyBridge:SandyBridge,+pcid,+spec-ctrl,+ssbd:x86_64',
    '16:Intel SandyBridge IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_SandyBridge:SandyBridge,+pcid,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '17:Intel Haswell-noTSX Family:vmx,nx,model_Haswell-noTSX:Haswell-noTSX:x86_64',
    '18:Intel Haswell-noTSX IBRS Family:vmx,nx,spec_ctrl,model_Haswell-noTSX:Haswell-noTSX,+spec-ctrl:x86_64',
    '19:Intel Haswell-noTSX IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Haswell-noTSX:Haswell-noTSX,+spec-ctrl,+ssbd:x86_64',
    '20:Intel Haswell-noTSX IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Haswell-noTSX:Haswell-noTSX,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '21:Intel Haswell Family:vmx,nx,model_Haswell:Haswell:x86_64',
    '22:Intel Haswell IBRS Family:vmx,nx,spec_ctrl,model_Haswell:Haswell,+spec-ctrl:x86_64',
    '23:Intel Haswell IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Haswell:Haswell,+spec-ctrl,+ssbd:x86_64',
    '24:Intel Haswell IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Haswell:Haswell,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '25:Intel Broadwell-noTSX Family:vmx,nx,model_Broadwell-noTSX:Broadwell-noTSX:x86_64',
    '26:Intel Broadwell-noTSX IBRS Family:vmx,nx,spec_ctrl,model_Broadwell-noTSX:Broadwell-noTSX,+spec-ctrl:x86_64',
    '27:Intel Broadwell-noTSX IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Broadwell-noTSX:Broadwell-noTSX,+spec-ctrl,+ssbd:x86_64',
    '28:Intel Broadwell-noTSX IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Broadwell-noTSX:Broadwell-noTSX,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '29:Intel Broadwell Family:vmx,nx,model_Broadwell:Broadwell:x86_64',
    '30:Intel Broadwell IBRS Family:vmx,nx,spec_ctrl,model_Broadwell:Broadwell,+spec-ctrl:x86_64',
    '31:Intel Broadwell IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Broadwell:Broadwell,+spec-ctrl,+ssbd:x86_64',
    '32:Intel Broadwell IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Broadwell:Broadwell,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '33:Intel Skylake Client Family:vmx,nx,model_Skylake-Client:Skylake-Client:x86_64',
    '34:Intel Skylake Client IBRS Family:vmx,nx,spec_ctrl,model_Skylake-Client:Skylake-Client,+spec-ctrl:x86_64',
    '35:Intel Skylake Client IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Skylake-Client:Skylake-Client,+spec-ctrl,+ssbd:x86_64',
    '36:Intel Skylake Client IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Skylake-Client:Skylake-Client,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '2:AMD Opteron G1:svm,nx,model_Opteron_G1:Opteron_G1:x86_64',
    '3:AMD Opteron G2:svm,nx,model_Opteron_G2:Opteron_G2:x86_64',
    '4:AMD Opteron G3:svm,nx,model_Opteron_G3:Opteron_G3:x86_64',
    '5:AMD Opteron G4:svm,nx,model_Opteron_G4:Opteron_G4:x86_64',
    '6:AMD Opteron G5:svm,nx,model_Opteron_G5:Opteron_G5:x86_64',
    '3:IBM POWER8:powernv,model_POWER8:POWER8:ppc64',
  ],
  '4.3': [
    '5:Intel Nehalem Family:vmx,nx,model_Nehalem:Nehalem:x86_64',
    '7:Intel Nehalem IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Nehalem:Nehalem,+spec-ctrl,+ssbd:x86_64',
    '8:Intel Nehalem IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Nehalem:Nehalem,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '9:Intel Westmere Family:aes,vmx,nx,model_Westmere:Westmere:x86_64',
    '10:Intel Westmere IBRS SSBD Family:aes,vmx,nx,spec_ctrl,ssbd,model_Westmere:Westmere,+pcid,+spec-ctrl,+ssbd:x86_64',
    '11:Intel Westmere IBRS SSBD MDS Family:aes,vmx,spec_ctrl,ssbd,md_clear,model_Westmere:Westmere,+pcid,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '12:Intel SandyBridge Family:vmx,nx,model_SandyBridge:SandyBridge:x86_64',
    '13:Intel SandyBridge IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_SandyBridge:SandyBridge,+pcid,+spec-ctrl,+ssbd:x86_64',
    '14:Intel SandyBridge IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_SandyBridge:SandyBridge,+pcid,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '15:Intel Haswell-noTSX Family:vmx,nx,model_Haswell-noTSX:Haswell-noTSX:x86_64',
    '16:Intel Haswell-noTSX IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Haswell-noTSX:Haswell-noTSX,+spec-ctrl,+ssbd:x86_64',
    '17:Intel Haswell-noTSX IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Haswell-noTSX:Haswell-noTSX,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '18:Intel Haswell Family:vmx,nx,model_Haswell:Haswell:x86_64',
    '19:Intel Haswell IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Haswell:Haswell,+spec-ctrl,+ssbd:x86_64',
    '20:Intel Haswell IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Haswell:Haswell,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '21:Intel Broadwell-noTSX Family:vmx,nx,model_Broadwell-noTSX:Broadwell-noTSX:x86_64',
    '22:Intel Broadwell-noTSX IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Broadwell-noTSX:Broadwell-noTSX,+spec-ctrl,+ssbd:x86_64',
    '23:Intel Broadwell-noTSX IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Broadwell-noTSX:Broadwell-noTSX,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '24:Intel Broadwell Family:vmx,nx,model_Broadwell:Broadwell:x86_64',
    '25:Intel Broadwell IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Broadwell:Broadwell,+spec-ctrl,+ssbd:x86_64',
    '26:Intel Broadwell IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Broadwell:Broadwell,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '27:Intel Skylake Client Family:vmx,nx,model_Skylake-Client:Skylake-Client:x86_64',
    '28:Intel Skylake Client IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Skylake-Client:Skylake-Client,+spec-ctrl,+ssbd:x86_64',
    '29:Intel Skylake Client IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Skylake-Client:Skylake-Client,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '30:Intel Skylake Server Family:vmx,nx,model_Skylake-Server:Skylake-Server:x86_64',
    '31:Intel Skylake Server IBRS SSBD Family:vmx,nx,spec_ctrl,ssbd,model_Skylake-Server:Skylake-Server,+spec-ctrl,+ssbd:x86_64',
    '32:Intel Skylake Server IBRS SSBD MDS Family:vmx,spec_ctrl,ssbd,md_clear,model_Skylake-Server:Skylake-Server,+spec-ctrl,+ssbd,+md-clear:x86_64',
    '5:AMD Opteron G4:svm,nx,model_Opteron_G4:Opteron_G4:x86_64',
    '6:AMD Opteron G5:svm,nx,model_Opteron_G5:Opteron_G5:x86_64',
    '7:AMD EPYC:svm,nx,model_EPYC:EPYC:x86_64',
    '9:AMD EPYC IBPB SSBD:svm,nx,ibpb,ssbd,model_EPYC:EPYC,+ibpb,+virt-ssbd:x86_64',
    '3:IBM POWER8:powernv,model_POWER8:POWER8:ppc64',
    '4:IBM POWER9:powernv,model_POWER9:POWER9:ppc64',
    '2:IBM z114, z196:sie,model_z196-base:z196-base:s390x',
    '3:IBM zBC12, zEC12:sie,model_zEC12-base:zEC12-base:s390x',
    '4:IBM z13s, z13:sie,model_z13-base:z13-base:s390x',
    '5:IBM z14:sie,model_z14-base:z14-base:s390x',
  ],
  '4.4': [
    ...INTEL_TO_BROADWELL,
    '13:Intel Skylake Client Family:vmx,nx,model_Skylake-Client:Skylake-Client,-hle,-rtm:x86_64',
    '14:Secure Intel Skylake Client Family:vmx,ssbd,md_clear,model_Skylake-Client-noTSX-IBRS:Skylake-Client-noTSX-IBRS,+ssbd,+md-clear:x86_64',
    '15:Intel Skylake Server Family:vmx,nx,model_Skylake-Server:Skylake-Server,-hle,-rtm:x86_64',
    '16:Secure Intel Skylake Server Family:vmx,ssbd,md_clear,model_Skylake-Server-noTSX-IBRS:Skylake-Server-noTSX-IBRS,+ssbd,+md-clear:x86_64',
    '17:Intel Cascadelake Server Family:vmx,model_Cascadelake-Server:Cascadelake-Server,-hle,-rtm:x86_64',
    '18:Secure Intel Cascadelake Server Family:vmx,model_Cascadelake-Server-noTSX:Cascadelake-Server-noTSX:x86_64',
    ...AMD_IBM,
  ],
  '4.5': SINCE_4_5,
  '4.6': SINCE_4_5,
  '4.7': SINCE_4_5,
};

/** The value of ServerCPUList at `level`, as oVirt's engine answers it. */
export const serverCpuList = (level: string): string => SERVER_CPU_LISTS[level].map((entry) => `${entry};`).join(' ');

function typeOf(entry: string): CpuTypeFact {
  const [level, name, , , architecture] = entry.split(':');
  return { name, level: Number(level), architecture: architecture as CpuTypeFact['architecture'] };
}

/** By level, oldest first. */
export const CPU_TYPES: Readonly<Record<string, readonly CpuTypeFact[]>> = Object.fromEntries(
  Object.entries(SERVER_CPU_LISTS).map(([level, entries]) => [level, entries.map(typeOf)]),
);
