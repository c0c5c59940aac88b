// The guest operating systems oVirt's engine knows (facts from ovirt-engine's
// packaging/conf/osinfo-defaults.properties: each system's id, unique name and name, with the CPU
// architecture and TPM support it has or inherits through `derivedFrom`), by id.

export interface OperatingSystemFact {
  /** oVirt's numeric id. */
  readonly id: number;
  /** The unique name a VM's `os.type` gives. */
  readonly name: string;
  /** What people call it. */
  readonly description: string;
  readonly architecture: 'x86_64' | 'ppc64' | 's390x';
  readonly tpm: 'unsupported' | 'supported' | 'required';
}

export const OPERATING_SYSTEMS: readonly OperatingSystemFact[] = [
  { id: 0, name: 'other', description: 'Other OS', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1, name: 'windows_xp', description: 'Windows XP', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 3, name: 'windows_2003', description: 'Windows 2003', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 4, name: 'windows_2008', description: 'Windows 2008', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 5, name: 'other_linux', description: 'Linux', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 7, name: 'rhel_5', description: 'Red Hat Enterprise Linux 5.x', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 8, name: 'rhel_4', description: 'Red Hat Enterprise Linux 4.x', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 9, name: 'rhel_3', description: 'Red Hat Enterprise Linux 3.x', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 10, name: 'windows_2003x64', description: 'Windows 2003 x64', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 11, name: 'windows_7', description: 'Windows 7', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 12, name: 'windows_7x64', description: 'Windows 7 x64', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 13, name: 'rhel_5x64', description: 'Red Hat Enterprise Linux 5.x x64', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 14, name: 'rhel_4x64', description: 'Red Hat Enterprise Linux 4.x x64', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 15, name: 'rhel_3x64', description: 'Red Hat Enterprise Linux 3.x x64', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 16, name: 'windows_2008x64', description: 'Windows 2008 x64', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 17, name: 'windows_2008R2x64', description: 'Windows 2008 R2 x64', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 18, name: 'rhel_6', description: 'Red Hat Enterprise Linux 6.x', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 19, name: 'rhel_6x64', description: 'Red Hat Enterprise Linux 6.x x64', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 20, name: 'windows_8', description: 'Windows 8', architecture: 'x86_64', tpm: 'supported' },
  { id: 21, name: 'windows_8x64', description: 'Windows 8 x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 23, name: 'windows_2012x64', description: 'Windows 2012 x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 24, name: 'rhel_7x64', description: 'Red Hat Enterprise Linux 7.x x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 25, name: 'windows_2012R2x64', description: 'Windows 2012R2 x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 26, name: 'windows_10', description: 'Windows 10', architecture: 'x86_64', tpm: 'supported' },
  { id: 27, name: 'windows_10x64', description: 'Windows 10 x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 28, name: 'rhel_atomic7x64', description: 'Red Hat Atomic 7.x x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 29, name: 'windows_2016x64', description: 'Windows 2016 x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 30, name: 'rhel_8x64', description: 'Red Hat Enterprise Linux 8.x x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 31, name: 'windows_2019x64', description: 'Windows 2019 x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 33, name: 'other_linux_kernel_4', description: 'Other Linux (kernel 4.x)', architecture: 'x86_64', tpm: 'supported' },
  { id: 34, name: 'rhel_9x64', description: 'Red Hat Enterprise Linux 9.x x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 35, name: 'rhcos_x64', description: 'Red Hat Enterprise Linux CoreOS', architecture: 'x86_64', tpm: 'supported' },
  { id: 36, name: 'windows_11', description: 'Windows 11', architecture: 'x86_64', tpm: 'required' },
  { id: 37, name: 'windows_2022', description: 'Windows 2022', architecture: 'x86_64', tpm: 'supported' },
  { id: 38, name: 'windows_2025', description: 'Windows 2025', architecture: 'x86_64', tpm: 'supported' },
  { id: 39, name: 'rhel_10x64', description: 'Red Hat Enterprise Linux 10.x x64', architecture: 'x86_64', tpm: 'supported' },
  { id: 1001, name: 'other_ppc64', description: 'Other OS', architecture: 'ppc64', tpm: 'unsupported' },
  { id: 1002, name: 'other_linux_ppc64', description: 'Linux', architecture: 'ppc64', tpm: 'unsupported' },
  { id: 1003, name: 'rhel_6_ppc64', description: 'Red Hat Enterprise Linux up to 6.8', architecture: 'ppc64', tpm: 'unsupported' },
  { id: 1004, name: 'sles_11_ppc64', description: 'SUSE Linux Enterprise Server 11', architecture: 'ppc64', tpm: 'unsupported' },
  { id: 1005, name: 'ubuntu_14_04_ppc64', description: 'Ubuntu Trusty Tahr LTS+', architecture: 'ppc64', tpm: 'unsupported' },
  { id: 1006, name: 'rhel_7_ppc64', description: 'Red Hat Enterprise Linux 7.x', architecture: 'ppc64', tpm: 'supported' },
  { id: 1007, name: 'rhel_6_9_plus_ppc64', description: 'Red Hat Enterprise Linux 6.9+', architecture: 'ppc64', tpm: 'unsupported' },
  { id: 1008, name: 'rhel_8_ppc64', description: 'Red Hat Enterprise Linux 8.x', architecture: 'ppc64', tpm: 'supported' },
  { id: 1009, name: 'rhel_9_ppc64', description: 'Red Hat Enterprise Linux 9.x', architecture: 'ppc64', tpm: 'supported' },
  { id: 1193, name: 'sles_11', description: 'SUSE Linux Enterprise Server 11+', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1252, name: 'ubuntu_12_04', description: 'Ubuntu Precise Pangolin LTS', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1253, name: 'ubuntu_12_10', description: 'Ubuntu Quantal Quetzal', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1254, name: 'ubuntu_13_04', description: 'Ubuntu Raring Ringtails', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1255, name: 'ubuntu_13_10', description: 'Ubuntu Saucy Salamander', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1256, name: 'ubuntu_14_04', description: 'Ubuntu Trusty Tahr LTS+', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1257, name: 'ubuntu_18_04', description: 'Ubuntu Bionic Beaver LTS+', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1300, name: 'debian_7', description: 'Debian 7+', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1301, name: 'debian_9', description: 'Debian 9+', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1500, name: 'freebsd', description: 'FreeBSD 9.2', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 1501, name: 'freebsdx64', description: 'FreeBSD 9.2 x64', architecture: 'x86_64', tpm: 'unsupported' },
  { id: 2001, name: 'other_s390x', description: 'Other OS', architecture: 's390x', tpm: 'unsupported' },
  { id: 2002, name: 'other_linux_s390x', description: 'Linux', architecture: 's390x', tpm: 'unsupported' },
  { id: 2003, name: 'rhel_7_s390x', description: 'Red Hat Enterprise Linux 7.x', architecture: 's390x', tpm: 'supported' },
  { id: 2004, name: 'sles_12_s390x', description: 'SUSE Linux Enterprise Server 12', architecture: 's390x', tpm: 'unsupported' },
  { id: 2005, name: 'ubuntu_16_04_s390x', description: 'Ubuntu Xenial Xerus LTS+', architecture: 's390x', tpm: 'unsupported' },
];
