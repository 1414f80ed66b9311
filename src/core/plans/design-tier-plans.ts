import { formatUsd, picodollarsToUsd } from '../cost/picodollars.js';
import type { Plan } from '../events/plans.js';
import { scaledDecimal } from '../events/exact-decimal.js';
import { formatShare } from '../kpi/format-measures.js';
import type { AllowanceUnit, PlanConstraints } from './plan-constraints.js';

/**
 * Plan design for one user tier, from what its users used in a month: an allowance that at most
 * `maxOverageShare` of them exceed, an overage rate at which every unit beyond it carries the target margin,
 * and one candidate per seat price, each with its margin, who pays overage and who is still served at a
 * loss. All money is integer picodollars; the same input always gives the same plans.
 */

/** One user's month in a tier: inference cost, calls that did not fail, tasks, and what they pay today. */
export interface PlanUser {
  userId: string;
  costPicodollars: bigint;
  calls: number;
  tasks: number;
  /** Today's revenue of the user (configured plan and revenue records), in picodollars. */
  revenuePicodollars: bigint;
}

/** A tier's users over a month, and its configured plan (null when none is configured). */
export interface TierUsage {
  tier: string;
  users: PlanUser[];
  currentPlan: Plan | null;
}

/**
 * A plan's terms. The allowance and overage rate are in the plan's unit: a call or task, or for usd a
 * picodollar of inference (allowance) and a dollar of inference (rate: what $1 of inference beyond the allowance bills).
 */
export interface PlanTerms {
  pricePicodollars: bigint;
  unit: AllowanceUnit;
  allowance: bigint;
  overagePicodollarsPerUnit: bigint;
}

/** What a plan does to a tier's users. */
export interface PlanOutcome {
  revenuePicodollars: bigint;
  overageRevenuePicodollars: bigint;
  costPicodollars: bigint;
  /** (revenue − cost) ÷ revenue; null without revenue. */
  margin: number | null;
  /** Whether the margin reaches the target (decided exactly, on the integers). */
  meetsMargin: boolean;
  usersPayingOverage: number;
  overageShare: number;
  /** Users whose revenue under the plan is below their cost. */
  usersSubsidized: number;
  /** Of the users subsidized today, how many the plan still serves at a loss. */
  subsidizedTodayStill: number;
  /** Each user's revenue under the plan, by user id. */
  revenueByUser: Map<string, bigint>;
}

/** A tier's design: the allowance and rate every candidate shares, today's figures, the candidates and the pick. */
export interface TierPlanDesign {
  tier: string;
  users: number;
  unit: AllowanceUnit;
  allowance: bigint;
  overagePicodollarsPerUnit: bigint;
  /** The inference cost of a unit beyond the allowance (its users' average), the rate's basis: picodollars per call or task, per $1 for usd. */
  unitCostPicodollars: bigint;
  current: { plan: Plan | null; revenuePicodollars: bigint; costPicodollars: bigint; margin: number | null; meetsMargin: boolean; usersSubsidized: number };
  candidates: Array<{ terms: PlanTerms; outcome: PlanOutcome }>;
  /** Index into candidates; null when no price point reaches the target margin. */
  recommended: number | null;
  /** Why the recommendation, or why none and what would reach the margin. */
  explanation: string;
  /** The seat price (whole dollars) that would reach the margin with this allowance and rate; null when the tier costs nothing. */
  priceNeededUsd: number | null;
  /** Users served at a loss today, largest loss first. */
  subsidizedToday: PlanUser[];
}

const picodollarsPerUsd = 1_000_000_000_000n;
const marginScale = 1_000_000n;
// Overage rates are rounded up to what a price list shows: $0.0001 a call or task, a cent per $1 of inference.
const rateStep: Record<AllowanceUnit, bigint> = { calls: 100_000_000n, tasks: 100_000_000n, usd: 10_000_000_000n };

/** How many units a user used: calls, tasks, or picodollars of inference. */
export function unitsOf(user: PlanUser, unit: AllowanceUnit): bigint {
  return unit === 'calls' ? BigInt(user.calls) : unit === 'tasks' ? BigInt(user.tasks) : user.costPicodollars;
}

// The rate of a usd plan is per dollar of inference while the units are picodollars.
const unitSize = (unit: AllowanceUnit): bigint => (unit === 'usd' ? picodollarsPerUsd : 1n);

/** What a user pays under a plan: the seat price plus the units beyond the allowance at the overage rate, rounded half up to a picodollar. */
export function planRevenueOf(terms: PlanTerms, units: bigint): { total: bigint; overage: bigint } {
  const extra = units - terms.allowance;
  const size = unitSize(terms.unit);
  const overage = extra > 0n ? (extra * terms.overagePicodollarsPerUnit + size / 2n) / size : 0n;
  return { total: terms.pricePicodollars + overage, overage };
}

/** Whether (revenue − cost) ÷ revenue reaches the target, decided on the integers (a target is read to six decimals). */
export function reachesMargin(revenue: bigint, cost: bigint, targetMargin: number): boolean {
  if (revenue <= 0n) return false;
  return (revenue - cost) * marginScale >= scaledDecimal(targetMargin, 6) * revenue;
}

const marginOf = (revenue: bigint, cost: bigint): number | null => (revenue > 0n ? Number(revenue - cost) / Number(revenue) : null);

/** A count rounded up to two significant digits (437 → 440, 1234 → 1300): allowances read as round numbers and only grow, so the overage share stays under its cap. */
export function roundUpToTwoDigits(value: bigint): bigint {
  if (value < 100n) return value;
  const factor = 10n ** BigInt(value.toString().length - 2);
  return ((value + factor - 1n) / factor) * factor;
}

/**
 * The allowance: the usage of the user at the (1 − maxOverageShare) percentile, so that at most that share of
 * users use more (a user exactly at the allowance pays no overage), rounded up to a round number. For usd, in
 * picodollars rounded up to whole cents first.
 */
export function allowanceFor(users: readonly PlanUser[], unit: AllowanceUnit, maxOverageShare: number): bigint {
  const sorted = users.map((user) => unitsOf(user, unit)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // Users allowed above the allowance; the epsilon keeps 0.2 × 10 from flooring to 1.
  const allowedOver = Math.floor(maxOverageShare * sorted.length + 1e-9);
  if (allowedOver >= sorted.length) return 0n;
  const usage = sorted[sorted.length - allowedOver - 1]!;
  if (unit !== 'usd') return roundUpToTwoDigits(usage);
  const cent = picodollarsPerUsd / 100n;
  return roundUpToTwoDigits((usage + cent - 1n) / cent) * cent;
}

/**
 * The overage rate at which the units beyond the allowance carry the target margin: their cost per unit ÷ (1 − margin),
 * rounded up to the rate step. The cost per unit is that of the users who exceed the allowance (the heavy users whose
 * units overage bills), or of the whole tier when nobody does. For usd a unit costs exactly $1.
 */
export function overageRateFor(users: readonly PlanUser[], unit: AllowanceUnit, allowance: bigint, targetMargin: number): { rate: bigint; unitCost: bigint } {
  const keep = marginScale - scaledDecimal(targetMargin, 6);
  const step = rateStep[unit];
  const roundUp = (numerator: bigint, denominator: bigint): bigint => {
    if (denominator <= 0n || numerator <= 0n) return 0n;
    const exact = (numerator + denominator - 1n) / denominator;
    return ((exact + step - 1n) / step) * step;
  };
  if (unit === 'usd') return { rate: roundUp(picodollarsPerUsd * marginScale, keep), unitCost: picodollarsPerUsd };
  const over = users.filter((user) => unitsOf(user, unit) > allowance);
  const basis = over.length > 0 ? over : users;
  const cost = basis.reduce((sum, user) => sum + user.costPicodollars, 0n);
  const units = basis.reduce((sum, user) => sum + unitsOf(user, unit), 0n);
  if (units === 0n) return { rate: 0n, unitCost: 0n };
  return { rate: roundUp(cost * marginScale, units * keep), unitCost: cost / units };
}

/** What a plan does to a tier: revenue, margin, who pays overage, who is still served at a loss. */
export function evaluatePlan(terms: PlanTerms, users: readonly PlanUser[], targetMargin: number): PlanOutcome {
  let revenue = 0n;
  let overageRevenue = 0n;
  let cost = 0n;
  let usersPayingOverage = 0;
  let usersSubsidized = 0;
  let subsidizedTodayStill = 0;
  const revenueByUser = new Map<string, bigint>();
  for (const user of users) {
    const paid = planRevenueOf(terms, unitsOf(user, terms.unit));
    revenue += paid.total;
    overageRevenue += paid.overage;
    cost += user.costPicodollars;
    revenueByUser.set(user.userId, paid.total);
    if (unitsOf(user, terms.unit) > terms.allowance) usersPayingOverage += 1;
    if (paid.total < user.costPicodollars) {
      usersSubsidized += 1;
      if (user.revenuePicodollars < user.costPicodollars) subsidizedTodayStill += 1;
    }
  }
  return {
    revenuePicodollars: revenue,
    overageRevenuePicodollars: overageRevenue,
    costPicodollars: cost,
    margin: marginOf(revenue, cost),
    meetsMargin: reachesMargin(revenue, cost, targetMargin),
    usersPayingOverage,
    overageShare: users.length > 0 ? usersPayingOverage / users.length : 0,
    usersSubsidized,
    subsidizedTodayStill,
    revenueByUser,
  };
}

/** Designs the candidate plans of one tier and picks the cheapest price point that reaches the margin with overage under its cap. */
export function designTierPlans(usage: TierUsage, constraints: PlanConstraints): TierPlanDesign {
  const { users } = usage;
  const allowance = allowanceFor(users, constraints.unit, constraints.maxOverageShare);
  const { rate, unitCost } = overageRateFor(users, constraints.unit, allowance, constraints.targetMargin);
  const candidates = constraints.pricePointsUsd.map((priceUsd) => {
    const terms: PlanTerms = { pricePicodollars: scaledDecimal(priceUsd, 12), unit: constraints.unit, allowance, overagePicodollarsPerUnit: rate };
    return { terms, outcome: evaluatePlan(terms, users, constraints.targetMargin) };
  });
  const index = candidates.findIndex(({ outcome }) => outcome.meetsMargin && outcome.overageShare <= constraints.maxOverageShare);
  const revenueToday = users.reduce((sum, user) => sum + user.revenuePicodollars, 0n);
  const cost = users.reduce((sum, user) => sum + user.costPicodollars, 0n);
  const subsidizedToday = users
    .filter((user) => user.revenuePicodollars < user.costPicodollars)
    .sort((a, b) => {
      const loss = b.costPicodollars - b.revenuePicodollars - (a.costPicodollars - a.revenuePicodollars);
      return loss > 0n ? 1 : loss < 0n ? -1 : a.userId < b.userId ? -1 : 1;
    });
  const priceNeededUsd = priceNeeded(candidates[0]?.outcome.overageRevenuePicodollars ?? 0n, cost, users.length, constraints.targetMargin);
  return {
    tier: usage.tier,
    users: users.length,
    unit: constraints.unit,
    allowance,
    overagePicodollarsPerUnit: rate,
    unitCostPicodollars: unitCost,
    current: {
      plan: usage.currentPlan,
      revenuePicodollars: revenueToday,
      costPicodollars: cost,
      margin: marginOf(revenueToday, cost),
      meetsMargin: reachesMargin(revenueToday, cost, constraints.targetMargin),
      usersSubsidized: subsidizedToday.length,
    },
    candidates,
    recommended: index < 0 ? null : index,
    explanation: explain(candidates, index, constraints, priceNeededUsd),
    priceNeededUsd,
    subsidizedToday,
  };
}

// The seat price at which seats plus overage reach the margin: revenue needed = cost ÷ (1 − margin), whole dollars up.
function priceNeeded(overageRevenue: bigint, cost: bigint, users: number, targetMargin: number): number | null {
  if (cost <= 0n || users === 0) return null;
  const keep = marginScale - scaledDecimal(targetMargin, 6);
  const needed = (cost * marginScale + keep - 1n) / keep - overageRevenue;
  if (needed <= 0n) return 0;
  const perSeat = (needed + BigInt(users) - 1n) / BigInt(users);
  return Number((perSeat + picodollarsPerUsd - 1n) / picodollarsPerUsd);
}

function explain(candidates: TierPlanDesign['candidates'], index: number, constraints: PlanConstraints, priceNeededUsd: number | null): string {
  const target = formatShare(constraints.targetMargin);
  if (candidates.length === 0) return 'no price points to try';
  if (index >= 0) {
    const { terms, outcome } = candidates[index]!;
    return `${formatUsd(picodollarsToUsd(terms.pricePicodollars))} is the cheapest price point that reaches ${target} (${formatShare(outcome.margin)}), with ${formatShare(outcome.overageShare)} of users paying overage (cap ${formatShare(constraints.maxOverageShare)})`;
  }
  const last = candidates[candidates.length - 1]!;
  const highest = formatUsd(picodollarsToUsd(last.terms.pricePicodollars));
  const would = priceNeededUsd === null ? '' : `; a seat price of ${formatUsd(priceNeededUsd)} would, with this allowance and overage rate`;
  return `no price point up to ${highest} reaches ${target}: at ${highest} the margin is ${formatShare(last.outcome.margin)}${would}, or a smaller allowance, or cheaper models (see the model tiers)`;
}
