import { picodollarsToUsd } from '../cost/picodollars.js';
import type { Plan } from '../events/plans.js';
import type { PlanOutcome, PlanTerms, TierPlanDesign } from './design-tier-plans.js';
import type { ModelTierSuggestion } from './model-tier-options.js';
import type { OptimizePlans } from '../simulate/simulation-result.js';
import type { AllowanceUnit, PlanConstraints } from './plan-constraints.js';

/**
 * The JSON of `unitcost plans --json` and GET /v1/plans: dollars as numbers for reading (computed from the
 * integer picodollars at the end, never summed), one entry per user tier.
 */

/** A plan's terms for people: seat price, allowance in its unit (calls, tasks or $), overage per unit (per call, per task, per $1 of inference). */
export interface PlanTermsJson {
  price_usd: number;
  allowance_unit: AllowanceUnit;
  allowance: number;
  overage_usd_per_unit: number;
  /** The plan as a `plans:` entry of the config, ready to paste; null for a tasks allowance, which the config cannot express yet. */
  config: Plan | null;
}

/** One candidate plan and what it does. */
export interface PlanCandidateJson extends PlanTermsJson {
  revenue_usd: number;
  overage_revenue_usd: number;
  cost_usd: number;
  margin: number | null;
  meets_target: boolean;
  users_paying_overage: number;
  overage_share: number;
  users_subsidized: number;
  /** Of the users subsidized today, how many this plan still serves at a loss. */
  subsidized_today_still: number;
  recommended: boolean;
}

/** A user served at a loss today, and what the recommended plan would make them pay. */
export interface SubsidizedUserJson {
  user_tier: string;
  user_id: string;
  calls: number;
  tasks: number;
  cost_usd: number;
  revenue_usd: number;
  loss_usd: number;
  /** Null when no plan is recommended. */
  revenue_with_plan_usd: number | null;
  at_loss_with_plan: boolean | null;
}

/** One model option's effect on the tier's margin. */
export interface ModelOptionJson {
  model: string | null;
  model_tier: string;
  cost_usd: number;
  margin_today: number | null;
  margin_with_plan: number | null;
  cheapest_price_usd: number | null;
  suggested: boolean;
}

/** A tier's design. */
export interface TierPlansJson {
  user_tier: string;
  users: number;
  cost_usd: number;
  /** The inference cost of a unit beyond the allowance (per call, per task, or per $1): the overage rate's basis. */
  unit_cost_usd: number;
  current: { plan: Plan | null; revenue_usd: number; cost_usd: number; margin: number | null; meets_target: boolean; users_subsidized: number };
  candidates: PlanCandidateJson[];
  recommended: PlanCandidateJson | null;
  explanation: string;
  price_needed_usd: number | null;
  models: { options: ModelOptionJson[]; basis: 'today' | 'plan'; suggestion: string } | null;
  subsidized: SubsidizedUserJson[];
}

/** Everything `unitcost plans` answers. */
export interface PlansResult {
  window: { from: string; to: string; days: number; month: string | null; scaled_to_month: boolean };
  constraints: { target_margin: number; price_points_usd: number[]; max_overage_share: number; allowance_unit: AllowanceUnit };
  tiers: TierPlansJson[];
  notes: string[];
}

const usd = (picodollars: bigint): number => picodollarsToUsd(picodollars);

/** A plan's terms as numbers, with its config entry when the config can express it. */
export function planTermsJson(terms: PlanTerms): PlanTermsJson {
  const price = usd(terms.pricePicodollars);
  const rate = usd(terms.overagePicodollarsPerUnit);
  const allowance = terms.unit === 'usd' ? usd(terms.allowance) : Number(terms.allowance);
  const config: Plan | null =
    terms.unit === 'calls'
      ? { seat_price_usd_per_month: price, included_requests: allowance, overage_usd_per_request: rate }
      : terms.unit === 'usd'
        ? // A usd rate bills $rate per $1 of inference: the config says it as a markup over cost.
          { seat_price_usd_per_month: price, included_usd: allowance, overage_markup: Math.round((rate - 1) * 100) / 100 }
        : null;
  return { price_usd: price, allowance_unit: terms.unit, allowance, overage_usd_per_unit: rate, config };
}

function candidateJson(terms: PlanTerms, outcome: PlanOutcome, recommended: boolean): PlanCandidateJson {
  return {
    ...planTermsJson(terms),
    revenue_usd: usd(outcome.revenuePicodollars),
    overage_revenue_usd: usd(outcome.overageRevenuePicodollars),
    cost_usd: usd(outcome.costPicodollars),
    margin: outcome.margin,
    meets_target: outcome.meetsMargin,
    users_paying_overage: outcome.usersPayingOverage,
    overage_share: outcome.overageShare,
    users_subsidized: outcome.usersSubsidized,
    subsidized_today_still: outcome.subsidizedTodayStill,
    recommended,
  };
}

/** A tier's design, and its model options when they were computed, as JSON. */
export function tierPlansJson(design: TierPlanDesign, models: ModelTierSuggestion | null): TierPlansJson {
  const candidates = design.candidates.map(({ terms, outcome }, index) => candidateJson(terms, outcome, index === design.recommended));
  const recommendedOutcome = design.recommended === null ? null : design.candidates[design.recommended]!.outcome;
  return {
    user_tier: design.tier,
    users: design.users,
    cost_usd: usd(design.current.costPicodollars),
    unit_cost_usd: usd(design.unitCostPicodollars),
    current: {
      plan: design.current.plan,
      revenue_usd: usd(design.current.revenuePicodollars),
      cost_usd: usd(design.current.costPicodollars),
      margin: design.current.margin,
      meets_target: design.current.meetsMargin,
      users_subsidized: design.current.usersSubsidized,
    },
    candidates,
    recommended: design.recommended === null ? null : candidates[design.recommended]!,
    explanation: design.explanation,
    price_needed_usd: design.priceNeededUsd,
    models:
      models === null
        ? null
        : {
            options: models.options.map((option, index) => ({
              model: option.model,
              model_tier: option.modelTier,
              cost_usd: usd(option.costPicodollars),
              margin_today: option.marginToday,
              margin_with_plan: option.marginWithPlan,
              cheapest_price_usd: option.cheapestPricePicodollars === null ? null : usd(option.cheapestPricePicodollars),
              suggested: index === models.suggested,
            })),
            basis: models.basis,
            suggestion: models.text,
          },
    subsidized: design.subsidizedToday.map((user) => {
      const withPlan = recommendedOutcome?.revenueByUser.get(user.userId) ?? null;
      return {
        user_tier: design.tier,
        user_id: user.userId,
        calls: user.calls,
        tasks: user.tasks,
        cost_usd: usd(user.costPicodollars),
        revenue_usd: usd(user.revenuePicodollars),
        loss_usd: usd(user.costPicodollars - user.revenuePicodollars),
        revenue_with_plan_usd: withPlan === null ? null : usd(withPlan),
        at_loss_with_plan: withPlan === null ? null : withPlan < user.costPicodollars,
      };
    }),
  };
}

/** The constraints as JSON. */
export function constraintsJson(constraints: PlanConstraints): PlansResult['constraints'] {
  return { target_margin: constraints.targetMargin, price_points_usd: constraints.pricePointsUsd, max_overage_share: constraints.maxOverageShare, allowance_unit: constraints.unit };
}

const csvColumns = ['user_tier', 'user_id', 'calls', 'tasks', 'cost_usd', 'revenue_usd', 'loss_usd', 'revenue_with_plan_usd', 'at_loss_with_plan'] as const;

// A field is quoted when it holds a comma, quote or line break (RFC 4180), and a leading =, +, - or @ is
// prefixed with ' so that a spreadsheet does not run a user id as a formula.
function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The users served at a loss, every tier, as CSV with a header line. */
export function subsidizedUsersCsv(result: PlansResult): string {
  const lines = [csvColumns.join(',')];
  for (const tier of result.tiers) for (const user of tier.subsidized) lines.push(csvColumns.map((column) => csvField(user[column])).join(','));
  return `${lines.join('\n')}\n`;
}

/** What optimize shows of the plans: per tier, the recommended plan and the margin now → with it. */
export function optimizePlansOf(result: PlansResult): OptimizePlans {
  return {
    target_margin: result.constraints.target_margin,
    tiers: result.tiers.map((tier) => ({
      user_tier: tier.user_tier,
      price_usd: tier.recommended?.price_usd ?? null,
      allowance: tier.recommended?.allowance ?? null,
      allowance_unit: result.constraints.allowance_unit,
      overage_usd_per_unit: tier.recommended?.overage_usd_per_unit ?? null,
      margin_now: tier.current.margin,
      margin_with_plan: tier.recommended?.margin ?? null,
      users_at_loss_now: tier.current.users_subsidized,
      users_at_loss_with_plan: tier.recommended?.users_subsidized ?? null,
      explanation: tier.explanation,
    })),
  };
}
