import { scaledDecimal } from './exact-decimal.js';
import type { RevenueAttribution } from './plans.js';

/** Revenue from one user in a period, in picodollars: seat prices of active months, overage, revenue records. */
export interface UserRevenue {
  userId: string;
  revenuePicodollars: bigint;
  /** Set when the money is known to be for one feature (a revenue record with a feature): it goes there whole. */
  feature?: string | null;
}

/** What one user did with one feature in the period. */
export interface UserFeatureUsage {
  userId: string;
  feature: string | null;
  costPicodollars: bigint;
  requests: number;
}

/** Why a share of revenue went to a feature. */
export type AttributionBasis = 'direct' | 'cost_share' | 'request_share' | 'fixed_weights' | 'unattributed';

/** A part of one user's revenue credited to one feature (null: to no feature, when the user used none). */
export interface AttributedRevenue {
  userId: string;
  feature: string | null;
  revenuePicodollars: bigint;
  basis: AttributionBasis;
}

/**
 * Splits each user's revenue among the features that user used, by the configured method: in proportion
 * to their inference cost, to their requests, or to fixed weights per feature. The split is exact: parts
 * are whole picodollars that add up to the user's revenue, the leftover picodollars going one each to the
 * largest remainders (ties to the feature that sorts first). A user whose features have no weight under
 * the method (no priced cost, no weighted feature) is split by requests; a user with no usage at all keeps
 * the revenue unattributed, so totals always reconcile.
 */
export function attributeRevenue(revenue: Iterable<UserRevenue>, usage: Iterable<UserFeatureUsage>, attribution: RevenueAttribution): AttributedRevenue[] {
  const usageByUser = new Map<string, Map<string | null, { cost: bigint; requests: number }>>();
  for (const entry of usage) {
    let features = usageByUser.get(entry.userId);
    if (!features) {
      features = new Map();
      usageByUser.set(entry.userId, features);
    }
    const known = features.get(entry.feature);
    if (known) {
      known.cost += entry.costPicodollars;
      known.requests += entry.requests;
    } else {
      features.set(entry.feature, { cost: entry.costPicodollars, requests: entry.requests });
    }
  }
  const fixedWeights = new Map<string, bigint>();
  for (const [feature, weight] of Object.entries(attribution.weights ?? {})) fixedWeights.set(feature, scaledDecimal(weight, 9));

  const totals = new Map<string, { userId: string; feature: string | null; basis: AttributionBasis; amount: bigint }>();
  const credit = (userId: string, feature: string | null, basis: AttributionBasis, amount: bigint): void => {
    const key = `${userId}\u0000${basis}\u0000${feature ?? '\u0001'}`;
    const known = totals.get(key);
    if (known) known.amount += amount;
    else totals.set(key, { userId, feature, basis, amount });
  };

  for (const entry of revenue) {
    if (entry.feature !== undefined && entry.feature !== null) {
      credit(entry.userId, entry.feature, 'direct', entry.revenuePicodollars);
      continue;
    }
    const features = [...(usageByUser.get(entry.userId) ?? new Map<string | null, { cost: bigint; requests: number }>())].sort(([a], [b]) => compareFeatures(a, b));
    const weightsBy = (basis: AttributionBasis): bigint[] =>
      features.map(([feature, used]) => {
        if (basis === 'cost_share') return used.cost > 0n ? used.cost : 0n;
        if (basis === 'request_share') return BigInt(Math.max(0, used.requests));
        return feature === null ? 0n : (fixedWeights.get(feature) ?? 0n);
      });
    let basis: AttributionBasis = attribution.method;
    let weights = weightsBy(basis);
    if (sum(weights) === 0n && basis !== 'request_share') {
      basis = 'request_share';
      weights = weightsBy(basis);
    }
    if (sum(weights) === 0n) {
      credit(entry.userId, null, 'unattributed', entry.revenuePicodollars);
      continue;
    }
    const parts = splitExactly(entry.revenuePicodollars, weights);
    features.forEach(([feature], index) => {
      if (weights[index]! > 0n) credit(entry.userId, feature, basis, parts[index]!);
    });
  }
  return [...totals.values()]
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : compareFeatures(a.feature, b.feature) || a.basis.localeCompare(b.basis)))
    .map((entry) => ({ userId: entry.userId, feature: entry.feature, revenuePicodollars: entry.amount, basis: entry.basis }));
}

/** Attributed revenue summed per feature (null: unattributed), exactly. */
export function revenueByFeature(attributed: Iterable<AttributedRevenue>): Map<string | null, bigint> {
  const totals = new Map<string | null, bigint>();
  for (const entry of attributed) totals.set(entry.feature, (totals.get(entry.feature) ?? 0n) + entry.revenuePicodollars);
  return totals;
}

/**
 * Splits an amount in proportion to non-negative weights (at least one positive) into whole parts that add
 * up to it exactly: each part is rounded down, and the rest goes one unit each to the largest remainders,
 * the earliest first on ties. A negative amount (a refund) is split as its magnitude, then negated.
 */
export function splitExactly(amount: bigint, weights: readonly bigint[]): bigint[] {
  const total = sum(weights);
  if (total <= 0n) throw new RangeError('splitExactly needs at least one positive weight');
  const magnitude = amount < 0n ? -amount : amount;
  const parts = weights.map((weight) => (magnitude * weight) / total);
  let left = magnitude - sum(parts);
  const order = weights
    .map((weight, index) => ({ index, remainder: (magnitude * weight) % total }))
    .filter((entry) => weights[entry.index]! > 0n)
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (let position = 0; left > 0n; position = (position + 1) % order.length) {
    parts[order[position]!.index]! += 1n;
    left -= 1n;
  }
  return amount < 0n ? parts.map((part) => -part) : parts;
}

function sum(values: readonly bigint[]): bigint {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}

// Untagged calls (feature null) sort first; the rest by name, so ties break the same way on every run.
function compareFeatures(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
