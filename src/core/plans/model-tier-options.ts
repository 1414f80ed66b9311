import { formatShare } from '../kpi/format-measures.js';
import { designTierPlans, evaluatePlan, reachesMargin, type PlanUser, type TierPlanDesign, type TierUsage } from './design-tier-plans.js';
import type { PlanConstraints } from './plan-constraints.js';

/**
 * Which model tier a plan tier can afford: the tier's recorded usage repriced at another model (the
 * routing lever's cost, computed by the app's replay), and the margin each gives today and with the
 * recommended plan. The cheaper model is a quality trade-off only the team can judge, so this suggests
 * and says so; it never decides.
 */

/** One way to serve a tier: the models as recorded (model null) or every call routed to one model. */
export interface ModelOption {
  /** The model every call is routed to, as provider/model; null for the models as recorded. */
  model: string | null;
  /** The model tier it falls in (budget, mid, frontier), or `recorded` for the mix as recorded. */
  modelTier: string;
  /** Each user's cost with this option, by user id; a user missing keeps the recorded cost. */
  costs: ReadonlyMap<string, bigint>;
}

/** What one model option does to a tier's margin. */
export interface ModelOptionOutcome {
  model: string | null;
  modelTier: string;
  costPicodollars: bigint;
  /** Margin with today's revenue and this option's cost. */
  marginToday: number | null;
  meetsToday: boolean;
  /** Margin with the recommended plan (null when there is none) and this option's cost. */
  marginWithPlan: number | null;
  meetsWithPlan: boolean;
  /** The cheapest price point that reaches the margin at this option's cost (a design redone on the repriced usage). */
  cheapestPricePicodollars: bigint | null;
}

/** The options' outcomes, cheapest first, and which one is suggested and why. */
export interface ModelTierSuggestion {
  options: ModelOptionOutcome[];
  /** Index into options; null when none reaches the margin. */
  suggested: number | null;
  /** `today`: at today's revenue, so no price change is needed; `plan`: at the recommended plan. */
  basis: 'today' | 'plan';
  text: string;
}

/** The margin each model option gives a tier, and the cheapest option that reaches the target (today's prices when the tier pays anything today, else the recommended plan's). */
export function suggestModelTier(usage: TierUsage, design: TierPlanDesign, options: readonly ModelOption[], constraints: PlanConstraints): ModelTierSuggestion {
  const recommended = design.recommended === null ? null : design.candidates[design.recommended]!.terms;
  const revenueToday = design.current.revenuePicodollars;
  const outcomes = options.map((option): ModelOptionOutcome => {
    const users: PlanUser[] = usage.users.map((user) => ({ ...user, costPicodollars: option.costs.get(user.userId) ?? user.costPicodollars }));
    const cost = users.reduce((sum, user) => sum + user.costPicodollars, 0n);
    const withPlan = recommended === null ? null : evaluatePlan(recommended, users, constraints.targetMargin);
    const redesigned = designTierPlans({ ...usage, users }, constraints);
    return {
      model: option.model,
      modelTier: option.modelTier,
      costPicodollars: cost,
      marginToday: revenueToday > 0n ? Number(revenueToday - cost) / Number(revenueToday) : null,
      meetsToday: reachesMargin(revenueToday, cost, constraints.targetMargin),
      marginWithPlan: withPlan?.margin ?? null,
      meetsWithPlan: withPlan?.meetsMargin ?? false,
      cheapestPricePicodollars: redesigned.recommended === null ? null : redesigned.candidates[redesigned.recommended]!.terms.pricePicodollars,
    };
  });
  // Cheapest first, ties by name, so the same data always lists the same order.
  outcomes.sort((a, b) => (a.costPicodollars < b.costPicodollars ? -1 : a.costPicodollars > b.costPicodollars ? 1 : String(a.model).localeCompare(String(b.model))));
  const basis = revenueToday > 0n ? 'today' : 'plan';
  const index = outcomes.findIndex((outcome) => (basis === 'today' ? outcome.meetsToday : outcome.meetsWithPlan));
  const target = formatShare(constraints.targetMargin);
  const at = basis === 'today' ? "at today's prices" : 'with the recommended plan';
  if (index < 0) {
    return { options: outcomes, suggested: null, basis, text: `no model option reaches ${target} ${at}: the price has to change (see the candidates)` };
  }
  const chosen = outcomes[index]!;
  const name = chosen.model === null ? 'the models as recorded' : `${chosen.model} (${chosen.modelTier})`;
  return {
    options: outcomes,
    suggested: index,
    basis,
    text: `${name} is the cheapest option that reaches ${target} ${at} (${formatShare(basis === 'today' ? chosen.marginToday : chosen.marginWithPlan)}); whether its answers are good enough for this tier is your call`,
  };
}
