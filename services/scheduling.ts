// oVirt's built-in scheduling policies and their units, read-only: `/schedulingpolicies` with
// their filters, weights and balances, and `/schedulingpolicyunits`.
import * as S from '../model/services';
import { Obj } from '../model/codec';
import { Call, implement } from './behaviour';
import { fixedCollection, fixedEntity } from './fixed';
import { notFound } from './fault';
import { POLICIES, POLICY_UNITS, PolicyFact } from './facts/scheduling';

const units: readonly Obj[] = POLICY_UNITS.map((u) => ({
  id: u.id, name: u.name, description: u.description, type: u.type, enabled: true, internal: true,
  properties: u.parameters.map((p) => ({ name: p.name, value: p.pattern })),
}));

const policies: readonly Obj[] = POLICIES.map((p) => ({
  id: p.id, name: p.name, default_policy: p.default, locked: true, properties: p.properties.map((x) => ({ ...x })),
}));

export const schedulingPolicyUnits = implement(S.SchedulingPolicyUnits, fixedCollection(() => units));
export const schedulingPolicyUnit = implement(S.SchedulingPolicyUnitEntity, fixedEntity(S.SchedulingPolicyUnits, () => units));
export const schedulingPolicies = implement(S.SchedulingPolicies, fixedCollection(() => policies));
export const schedulingPolicy = implement(S.SchedulingPolicyEntity, fixedEntity(S.SchedulingPolicies, () => policies));

/** The policy a sub-collection's call is under. */
function policyOf(call: Call): PolicyFact {
  const policy = POLICIES.find((p) => p.id === call.scope[0]);
  if (!policy) throw notFound(`SchedulingPolicy '${call.scope[0]}' does not exist`);
  return policy;
}

// A policy's filters, weights and balance carry the ids of their units, as in oVirt.
/** Where a filter of a built-in policy runs, as oVirt's builder places them: the first first, the last last. */
const positionOf = (i: number, count: number) => (i === 0 ? -1 : i === count - 1 ? 1 : 0);
const filtersOf = (call: Call): Obj[] =>
  policyOf(call).filters.map((unit, i, all) => ({ id: unit, position: positionOf(i, all.length), scheduling_policy_unit: { id: unit } }));
const weightsOf = (call: Call): Obj[] => {
  const policy = policyOf(call);
  return policy.weights.map((w) => ({ id: w.unit, factor: w.factor, scheduling_policy: { id: policy.id }, scheduling_policy_unit: { id: w.unit } }));
};
const balancesOf = (call: Call): Obj[] => {
  const policy = policyOf(call);
  return [{ id: policy.balance, scheduling_policy: { id: policy.id }, scheduling_policy_unit: { id: policy.balance } }];
};

export const schedulingPolicyFilters = implement(S.SchedulingPolicyFilters, fixedCollection(filtersOf));
export const schedulingPolicyFilter = implement(S.SchedulingPolicyFilter, fixedEntity(S.SchedulingPolicyFilters, filtersOf));
export const schedulingPolicyWeights = implement(S.SchedulingPolicyWeights, fixedCollection(weightsOf));
export const schedulingPolicyWeight = implement(S.SchedulingPolicyWeight, fixedEntity(S.SchedulingPolicyWeights, weightsOf));
export const schedulingPolicyBalances = implement(S.SchedulingPolicyBalances, fixedCollection(balancesOf));
export const schedulingPolicyBalance = implement(S.SchedulingPolicyBalance, fixedEntity(S.SchedulingPolicyBalances, balancesOf));
