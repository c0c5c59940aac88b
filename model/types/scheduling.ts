// Scheduling policies and the units they are made of: which hosts a VM may run on (filters),
// which it prefers (weights) and how running VMs are spread (balances).
// Wire names, element names and attribute order follow oVirt's API model (ovirt-engine-api-model).

import { bool, defineEntity, enumOf, int, link, links, listOf } from '../meta';
import { Property } from './common';
import { PolicyUnitType } from './enums';

export const SchedulingPolicyUnit = defineEntity('SchedulingPolicyUnit', { computed: true, doc: 'A filter, weight or balance that scheduling policies use.' }, {
  enabled: bool('Whether policies may use the unit.', { readOnly: true }),
  internal: bool('Whether the unit is built into the engine.', { readOnly: true }),
  properties: listOf(() => Property, 'The parameters the unit takes, each with the pattern its values must match.', { readOnly: true }),
  type: enumOf(PolicyUnitType, 'What the unit does in a policy.', { readOnly: true }),
});

export const SchedulingPolicy = defineEntity('SchedulingPolicy', { computed: true, doc: 'A policy that decides where virtual machines run.', plural: 'scheduling_policies' }, {
  default_policy: bool('Whether clusters get this policy unless they name another.', { readOnly: true }),
  locked: bool('Whether the policy is built in and cannot be changed.', { readOnly: true }),
  properties: listOf(() => Property, 'Values of the parameters of the policy\'s units.', { readOnly: true }),
  balances: links(() => Balance, 'How the policy spreads running virtual machines.', { rel: 'balances' }),
  filters: links(() => Filter, 'Which hosts the policy lets a virtual machine run on.', { rel: 'filters' }),
  weight: links(() => Weight, 'Which hosts the policy prefers.', { rel: 'weights' }),
});

export const Filter = defineEntity('Filter', { computed: true, doc: 'A filter unit of a scheduling policy.' }, {
  position: int('Where the filter runs: -1 first, 1 last, 0 anywhere.', { readOnly: true }),
  scheduling_policy_unit: link(() => SchedulingPolicyUnit, 'The unit.'),
});

export const Weight = defineEntity('Weight', { computed: true, doc: 'A weight unit of a scheduling policy, with its factor.' }, {
  factor: int('How much the unit counts among the policy\'s weights.', { readOnly: true }),
  scheduling_policy: link(() => SchedulingPolicy, 'The policy.'),
  scheduling_policy_unit: link(() => SchedulingPolicyUnit, 'The unit.'),
});

export const Balance = defineEntity('Balance', { computed: true, doc: 'The load-balancing unit of a scheduling policy.' }, {
  scheduling_policy: link(() => SchedulingPolicy, 'The policy.'),
  scheduling_policy_unit: link(() => SchedulingPolicyUnit, 'The unit.'),
});
