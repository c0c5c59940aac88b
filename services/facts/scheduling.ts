// oVirt's built-in scheduling policies and the units they are made of (facts from ovirt-engine's
// bll/scheduling: InternalPolicyUnits, the @SchedulingUnit of each unit, PolicyUnitParameter and
// InternalClusterPolicies), in the engine's order.

export interface PolicyUnitFact {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  /** Selectors (which pick the host from the weighed ones) have no type in the API. */
  readonly type?: 'filter' | 'weight' | 'load_balancing';
  /** The parameters the unit reads, each with the pattern of its values. */
  readonly parameters: readonly { readonly name: string; readonly pattern: string }[];
}

export interface PolicyFact {
  readonly id: string;
  readonly name: string;
  /** The policy of clusters that name none. */
  readonly default: boolean;
  /** The load-balancing unit. */
  readonly balance: string;
  /** Filter units, in order. */
  readonly filters: readonly string[];
  readonly weights: readonly { readonly unit: string; readonly factor: number }[];
  readonly properties: readonly { readonly name: string; readonly value: string }[];
}

/** The parameters both CPU-load balancers read, in oVirt's order. */
const BALANCE_PARAMETERS = [
  { name: 'HighUtilization', pattern: '^([5-9][0-9])$' },
  { name: 'MaxFreeMemoryForOverUtilized', pattern: '^([1-9][0-9]*)$' },
  { name: 'MinFreeMemoryForUnderUtilized', pattern: '^([1-9][0-9]*)$' },
  { name: 'CpuOverCommitDurationMinutes', pattern: '^([1-9][0-9]*)$' },
];

const clusterInMaintenanceFilterPolicyUnit = '0bd8fef9-bcb4-4250-9998-410f01608d9b';
const cpuOverloadPolicyUnit = '98842bc5-4094-4b83-8224-7b50f86a94c9';
const cpuPolicyUnit = '6d636bf6-a35c-4f9d-b68d-0731f720cddc';
const emulatedMachineFilterPolicyUnit = '58894b5b-d55d-4f85-8f82-5bf217e640b0';
const evenDistributionBalancePolicyUnit = '7db4ab05-81ab-42e8-868a-aee2df483ed2';
const evenDistributionCPUWeightPolicyUnit = '7db4ab05-81ab-42e8-868a-aee2df483edb';
const evenDistributionMemoryWeightPolicyUnit = '4134247a-9c58-4b9a-8593-530bb9e37c59';
const evenGuestDistributionBalancePolicyUnit = 'd58c8e32-44e1-418f-9222-52cd887bf9e0';
const evenGuestDistributionWeightPolicyUnit = '3ba8c988-f779-42c0-90ce-caa8243edee7';
const haReservationWeightPolicyUnit = '7f262d70-6cac-11e3-981f-0800200c9a66';
const hostedEngineHAClusterFilterPolicyUnit = 'e659c871-0bf1-4ccc-b748-f28f5d08dffd';
const hostedEngineHAClusterWeightPolicyUnit = '98e92667-6161-41fb-b3fa-34f820ccbc4b';
const hostedEngineMemoryReservationFilterPolicyUnit = '53bff075-8306-446f-a53b-9c872a29d197';
const hugePagesFilterPolicyUnit = '23e07b34-66dd-4735-bc45-bcddded02c05';
const memoryPolicyUnit = 'c9ddbb34-0e1d-4061-a8d7-b0893fa80932';
const numaPolicyUnit = 'fcbfe4b1-b83e-4428-b9d3-b3d348b93be6';
const numaWeightPolicyUnit = 'f58c1cb9-d91f-48a6-a196-c6d22fb10c4e';
const migrationPolicyUnit = 'e659c871-0bf1-4ccc-b748-f28f5d08ddda';
const networkPolicyUnit = '72163d1c-9468-4480-99d9-0888664eb143';
const noneBalancePolicyUnit = '38440000-8cf0-14bd-c43e-10b96e4ef00a';
const powerSavingBalancePolicyUnit = '736999d0-1023-46a4-9a75-1316ed50e151';
const powerSavingCPUWeightPolicyUnit = '736999d0-1023-46a4-9a75-1316ed50e15b';
const powerSavingMemoryWeightPolicyUnit = '9dfe6086-646d-43b8-8eef-4d94de8472c8';
const preferredHostsWeightPolicyUnit = '591cdb81-ba67-45b4-9642-e28f61a97d57';
const swapFilterPolicyUnit = '43b9e654-337f-4b0d-a896-cbb22ce5a7fc';
const vmAffinityFilterPolicyUnit = '84e6ddee-ab0d-42dd-82f0-c297779db566';
const vmAffinityWeightPolicyUnit = '84e6ddee-ab0d-42dd-82f0-c297779db567';
const vmToHostAffinityFilterPolicyUnit = 'e69808a9-8a41-40f1-94ba-dd5d385d82d8';
const vmToHostAffinityWeightPolicyUnit = '427aed70-dae3-48ba-8fe9-a902a9d563c8';
const inClusterUpgradeFilterPolicyUnit = '84e6ddee-ab0d-42dd-82f0-c298889db567';
const inClusterUpgradeWeightPolicyUnit = '84e6ddee-ab0d-42dd-82f0-c298889db568';
const basicWeightSelectorPolicyUnit = '0c89f215-9c4f-4bbb-8419-31a2d43ae7ea';
const rankSelectorPolicyUnit = 'b280e7de-5df8-401e-b004-a1414d79a687';
const highPerformanceCpuPolicyUnit = '71931e14-f0e6-4f91-a7c8-d494a26e3a09';
const cpuAndNumaPinningWeightPolicyUnit = '1b14ac11-20e9-4593-a149-2eb83c60a330';
const migrationTscFrequencyPolicyUnit = '47ea3cd0-8a2f-438d-9f63-49534178882a';
const hostHooksFilterPolicyUnit = 'aae8c702-4756-4934-b84c-8daf59efc134';
const compatibilityVersionFilterPolicyUnit = '3e4a7d54-9e7f-11e5-8994-feff819cdc9f';
const cpuLevelFilterPolicyUnit = '438b052c-90ab-40e8-9be0-a22560202ea6';
const cpuTopologyPolicyUnit = '35c2f1a5-8928-48e9-81ac-4c49eb49d60e';
const cpuPinningPolicyUnit = '6d636bf6-a35c-4f9d-b68d-0731f731cddc';
const hostDeviceFilterPolicyUnit = '728a21f1-f97e-4d32-bc3e-b3cc49756abb';
const pinToHostPolicyUnit = '12262ab6-9690-4bc3-a2b3-35573b172d54';
const vmLeasesReadyFilterPolicyUnit = 'b454ae40-f767-45b1-949a-7e5bd04d83ab';
const mDevicePolicyUnit = 'aa604ea6-f758-4d28-8e05-bf5f4a0818bd';

export const POLICY_UNITS: readonly PolicyUnitFact[] = [
  {
    id: clusterInMaintenanceFilterPolicyUnit, name: 'ClusterInMaintenance',
    description: 'Prevents any VM start except for highly available VMs',
    type: 'filter',
    parameters: [],
  },
  {
    id: cpuOverloadPolicyUnit, name: 'CPUOverloaded',
    description: 'Filters out CPU overloaded hosts.',
    type: 'filter',
    parameters: [
      { name: 'HighUtilization', pattern: '^([5-9][0-9])$' },
      { name: 'CpuOverCommitDurationMinutes', pattern: '^([1-9][0-9]*)$' },
    ],
  },
  { id: cpuPolicyUnit, name: 'CPU', description: 'Filters out hosts with less CPUs than VM\'s CPUs', type: 'filter', parameters: [] },
  {
    id: emulatedMachineFilterPolicyUnit, name: 'Emulated-Machine',
    description: 'Runs VMs only on hosts with a proper emulated machine support',
    type: 'filter',
    parameters: [],
  },
  {
    id: evenDistributionBalancePolicyUnit, name: 'OptimalForEvenDistribution',
    description: 'Load balancing VMs in cluster according to hosts CPU load, striving cluster\'s hosts CPU load to be under \'HighUtilization\'',
    type: 'load_balancing',
    parameters: [
      ...BALANCE_PARAMETERS,
      { name: 'VCpuToPhysicalCpuRatio', pattern: '^([0-2](\\.([0-9]+))?)$' },
    ],
  },
  {
    id: evenDistributionCPUWeightPolicyUnit, name: 'OptimalForCpuEvenDistribution',
    description: 'Gives hosts with lower CPU usage, lower weight (means that hosts with lower CPU usage are more likely to be selected)',
    type: 'weight',
    parameters: [],
  },
  {
    id: evenDistributionMemoryWeightPolicyUnit, name: 'OptimalForMemoryEvenDistribution',
    description: 'Gives hosts with higher available memory, lower weight (means that hosts with more available memory are more likely to be selected)',
    type: 'weight',
    parameters: [],
  },
  {
    id: evenGuestDistributionBalancePolicyUnit, name: 'OptimalForEvenGuestDistribution', type: 'load_balancing',
    parameters: [
      { name: 'SpmVmGrace', pattern: '^([0-9]|[1-9][0-9]+)$' },
      { name: 'HighVmCount', pattern: '^([0-9]|[1-9][0-9]+)$' },
      { name: 'MigrationThreshold', pattern: '^([2-9]|[1-9][0-9]+)$' },
    ],
  },
  { id: evenGuestDistributionWeightPolicyUnit, name: 'OptimalForEvenGuestDistribution', type: 'weight', parameters: [] },
  {
    id: haReservationWeightPolicyUnit, name: 'OptimalForHaReservation',
    description: 'Weights hosts according to their HA score regardless of hosted engine',
    type: 'weight',
    parameters: [],
  },
  {
    id: hostedEngineHAClusterFilterPolicyUnit, name: 'HA',
    description: 'Runs the hosted engine VM only on hosts with a positive score',
    type: 'filter',
    parameters: [],
  },
  { id: hostedEngineHAClusterWeightPolicyUnit, name: 'HA', description: 'Weights hosts according to their HA score', type: 'weight', parameters: [] },
  {
    id: hostedEngineMemoryReservationFilterPolicyUnit, name: 'HostedEngineSpares',
    description: 'Reserve space for starting the hosted engine VM on different hosts in case the current one crashes.',
    type: 'filter',
    parameters: [],
  },
  {
    id: hugePagesFilterPolicyUnit, name: 'HugePages',
    description: 'Filters out hosts that do not have enough free huge pages',
    type: 'filter',
    parameters: [],
  },
  {
    id: memoryPolicyUnit, name: 'Memory',
    description: 'Filters out hosts that have insufficient memory to run the VM',
    type: 'filter', parameters: [],
  },
  { id: numaPolicyUnit, name: 'NUMA', description: 'Filters out hosts that have incompatible NUMA nodes.', type: 'filter', parameters: [] },
  {
    id: numaWeightPolicyUnit, name: 'Fit VM to single host NUMA node',
    description: 'Prefers hosts where a VM without vNUMA can fit in a single host NUMA node.',
    type: 'weight',
    parameters: [],
  },
  { id: migrationPolicyUnit, name: 'Migration', description: 'Prevent migration to the same host.', type: 'filter', parameters: [] },
  {
    id: networkPolicyUnit, name: 'Network',
    description: 'Filters out hosts that are missing networks required by VM NICs, or missing cluster\'s display network',
    type: 'filter',
    parameters: [],
  },
  { id: noneBalancePolicyUnit, name: 'None', description: 'No load balancing operation', type: 'load_balancing', parameters: [] },
  {
    id: powerSavingBalancePolicyUnit, name: 'OptimalForPowerSaving',
    description: 'Load balancing VMs in cluster according to hosts CPU load, striving cluster\'s hosts CPU load to be over \'LowUtilization\' and under \'HighUtilization\'',
    type: 'load_balancing',
    parameters: [
      ...BALANCE_PARAMETERS,
      { name: 'LowUtilization', pattern: '^([0-9]|[1-4][0-9])$' },
      { name: 'EnableAutomaticHostPowerManagement', pattern: '^(true|false)$' },
      { name: 'HostsInReserve', pattern: '^[0-9][0-9]*$' },
    ],
  },
  {
    id: powerSavingCPUWeightPolicyUnit, name: 'OptimalForCpuPowerSaving',
    description: 'Gives hosts with higher CPU usage, lower weight (means that hosts with higher CPU usage are more likely to be selected)',
    type: 'weight',
    parameters: [],
  },
  {
    id: powerSavingMemoryWeightPolicyUnit, name: 'OptimalForMemoryPowerSaving',
    description: 'Gives hosts with lower available memory, lower weight (means that hosts with lower available memory are more likely to be selected)',
    type: 'weight',
    parameters: [
      { name: 'MaxFreeMemoryForOverUtilized', pattern: '^([1-9][0-9]*)$' },
      { name: 'MinFreeMemoryForUnderUtilized', pattern: '^([1-9][0-9]*)$' },
    ],
  },
  {
    id: preferredHostsWeightPolicyUnit, name: 'PreferredHosts',
    description: 'Prioritize preferred hosts during VM startup.',
    type: 'weight', parameters: [],
  },
  { id: swapFilterPolicyUnit, name: 'Swap', description: 'Filters out hosts that are swapping', type: 'filter', parameters: [] },
  {
    id: vmAffinityFilterPolicyUnit, name: 'VmAffinityGroups',
    description: 'Enables Affinity Groups hard enforcement for VMs; VMs in group are required to run either on the same hypervisor host (positive) or on independent hypervisor hosts (negative)',
    type: 'filter',
    parameters: [],
  },
  {
    id: vmAffinityWeightPolicyUnit, name: 'VmAffinityGroups',
    description: 'Enables Affinity Groups soft enforcement for VMs; VMs in group are most likely to run either on the same hypervisor host (positive) or on independent hypervisor hosts (negative)',
    type: 'weight',
    parameters: [],
  },
  {
    id: vmToHostAffinityFilterPolicyUnit, name: 'VmToHostsAffinityGroups',
    description: 'Enables Affinity Groups hard enforcement for VMs to hosts; VMs in group are required to run either on one of the hosts in group (positive) or on independent hosts which are excluded from the hosts in group (negative).',
    type: 'filter',
    parameters: [],
  },
  {
    id: vmToHostAffinityWeightPolicyUnit, name: 'VmToHostsAffinityGroups',
    description: 'Enables Affinity Groups soft enforcement for VMs to hosts; VMs in group are most likely to run either on one of the hosts in group (positive) or on independent hosts which are excluded from the hosts in group (negative)',
    type: 'weight',
    parameters: [],
  },
  {
    id: inClusterUpgradeFilterPolicyUnit, name: 'InClusterUpgrade',
    description: 'Filter out all hosts which run an older OS version than the host the vm is currently running on.',
    type: 'filter',
    parameters: [],
  },
  {
    id: inClusterUpgradeWeightPolicyUnit, name: 'InClusterUpgrade',
    description: 'Penalize hosts with older OS version more than hosts with the same OS version where a vm is currently running on. Newer OS versions are not penalized',
    type: 'weight',
    parameters: [],
  },
  {
    id: basicWeightSelectorPolicyUnit, name: 'BasicWeighting',
    description: 'The host with lowest accumulated weight wins. No ranking or scaling is performed.',
    parameters: [],
  },
  { id: rankSelectorPolicyUnit, name: 'RankSelector', description: 'The host with lowest accumulated rank wins.', parameters: [] },
  {
    id: highPerformanceCpuPolicyUnit, name: 'CPU for high performance VMs',
    description: 'Prefers hosts that have more or equal number of sockets, cores and threads.',
    type: 'weight',
    parameters: [],
  },
  {
    id: cpuAndNumaPinningWeightPolicyUnit, name: 'CPU and NUMA pinning compatibility',
    description: 'Prefers hosts where CPU pinning is compatible with NUMA node pinning',
    type: 'weight',
    parameters: [],
  },
  {
    id: migrationTscFrequencyPolicyUnit, name: 'Migration-Tsc-Frequency',
    description: 'High-Performance VMs can only be migrated to hosts with the same TSC frequency',
    type: 'filter',
    parameters: [],
  },
  {
    id: hostHooksFilterPolicyUnit, name: 'Host-hooks',
    description: 'Runs VMs only on hosts with a hooks required by VM\'s configuration',
    type: 'filter',
    parameters: [],
  },
  {
    id: compatibilityVersionFilterPolicyUnit, name: 'Compatibility-Version',
    description: 'Runs VMs only on hosts with a proper compatibility-version support',
    type: 'filter',
    parameters: [],
  },
  { id: cpuLevelFilterPolicyUnit, name: 'CPU-Level', description: 'Runs VMs only on hosts with a proper CPU level', type: 'filter', parameters: [] },
  {
    id: cpuTopologyPolicyUnit, name: 'CPUTopology',
    description: 'Runs VMs only on hosts with a proper CPU topology',
    type: 'filter', parameters: [],
  },
  {
    id: cpuPinningPolicyUnit, name: 'CpuPinning',
    description: 'Filters out hosts which do not satisfy a VMs cpu pinning constraints',
    type: 'filter',
    parameters: [],
  },
  {
    id: hostDeviceFilterPolicyUnit, name: 'HostDevice',
    description: 'Filters out hosts not supporting VM required host devices',
    type: 'filter',
    parameters: [],
  },
  { id: pinToHostPolicyUnit, name: 'PinToHost', description: 'Filters out all hosts that VM is not pinned to', type: 'filter', parameters: [] },
  {
    id: vmLeasesReadyFilterPolicyUnit, name: 'VM leases ready',
    description: 'Filters out hosts that are not ready to support VM leases',
    type: 'filter',
    parameters: [],
  },
  { id: mDevicePolicyUnit, name: 'MDevice', description: 'Filters out hosts that do not have required mDev devices', type: 'filter', parameters: [] },
];

/** The filters of every built-in policy, in the engine's order. */
const FILTERS = [
  cpuPolicyUnit,
  cpuOverloadPolicyUnit,
  emulatedMachineFilterPolicyUnit,
  hostedEngineHAClusterFilterPolicyUnit,
  swapFilterPolicyUnit,
  memoryPolicyUnit,
  numaPolicyUnit,
  hugePagesFilterPolicyUnit,
  migrationPolicyUnit,
  vmAffinityFilterPolicyUnit,
  vmToHostAffinityFilterPolicyUnit,
  networkPolicyUnit,
  hostedEngineMemoryReservationFilterPolicyUnit,
  migrationTscFrequencyPolicyUnit,
  hostHooksFilterPolicyUnit,
];

/** The weights every built-in policy ends with, each with its factor. */
const SHARED_WEIGHTS = [
  { unit: preferredHostsWeightPolicyUnit, factor: 99 },
  { unit: hostedEngineHAClusterWeightPolicyUnit, factor: 1 },
  { unit: haReservationWeightPolicyUnit, factor: 1 },
  { unit: vmAffinityWeightPolicyUnit, factor: 1 },
  { unit: vmToHostAffinityWeightPolicyUnit, factor: 20 },
  { unit: highPerformanceCpuPolicyUnit, factor: 4 },
  { unit: cpuAndNumaPinningWeightPolicyUnit, factor: 5 },
];

export const POLICIES: readonly PolicyFact[] = [
  {
    id: 'b4ed2332-a7ac-4d5f-9596-99a439cb2812', name: 'none', default: true, balance: noneBalancePolicyUnit, filters: FILTERS,
    weights: [
      { unit: evenDistributionCPUWeightPolicyUnit, factor: 2 },
      { unit: evenDistributionMemoryWeightPolicyUnit, factor: 1 },
      ...SHARED_WEIGHTS,
    ],
    properties: [{ name: 'CpuOverCommitDurationMinutes', value: '2' }, { name: 'HighUtilization', value: '80' }],
  },
  {
    id: '7677771e-5eab-422e-83fa-dc04080d21b7', name: 'cluster_maintenance', default: false, balance: noneBalancePolicyUnit,
    filters: [clusterInMaintenanceFilterPolicyUnit, ...FILTERS],
    weights: [
      { unit: evenDistributionCPUWeightPolicyUnit, factor: 2 },
      { unit: evenDistributionMemoryWeightPolicyUnit, factor: 1 },
      ...SHARED_WEIGHTS,
    ],
    properties: [{ name: 'CpuOverCommitDurationMinutes', value: '2' }, { name: 'HighUtilization', value: '80' }],
  },
  {
    id: '20d25257-b4bd-4589-92a6-c4c5c5d3fd1a', name: 'evenly_distributed', default: false, balance: evenDistributionBalancePolicyUnit, filters: FILTERS,
    weights: [
      { unit: evenDistributionCPUWeightPolicyUnit, factor: 2 },
      { unit: evenDistributionMemoryWeightPolicyUnit, factor: 1 },
      ...SHARED_WEIGHTS,
    ],
    properties: [
      { name: 'HeSparesCount', value: '0' },
      { name: 'CpuOverCommitDurationMinutes', value: '2' },
      { name: 'HighUtilization', value: '80' },
      { name: 'VCpuToPhysicalCpuRatio', value: '0' },
    ],
  },
  {
    id: '5a2b0939-7d46-4b73-a469-e9c2c7fc6a53', name: 'power_saving', default: false, balance: powerSavingBalancePolicyUnit, filters: FILTERS,
    weights: [
      { unit: powerSavingCPUWeightPolicyUnit, factor: 2 },
      { unit: powerSavingMemoryWeightPolicyUnit, factor: 1 },
      ...SHARED_WEIGHTS,
    ],
    properties: [
      { name: 'HeSparesCount', value: '0' },
      { name: 'CpuOverCommitDurationMinutes', value: '2' },
      { name: 'HighUtilization', value: '80' },
      { name: 'LowUtilization', value: '20' },
    ],
  },
  {
    id: '8d5d7bec-68de-4a67-b53e-0ac54686d579', name: 'vm_evenly_distributed', default: false, balance: evenGuestDistributionBalancePolicyUnit, filters: FILTERS,
    weights: [{ unit: evenGuestDistributionWeightPolicyUnit, factor: 2 }, ...SHARED_WEIGHTS],
    properties: [
      { name: 'HeSparesCount', value: '0' },
      { name: 'CpuOverCommitDurationMinutes', value: '2' },
      { name: 'HighUtilization', value: '80' },
      { name: 'HighVmCount', value: '10' },
      { name: 'MigrationThreshold', value: '5' },
      { name: 'SpmVmGrace', value: '5' },
    ],
  },
];
