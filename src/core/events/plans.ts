import { z } from 'zod';
import { scaledDecimal, usdToExactPicodollars } from './exact-decimal.js';

const dollars = z.number().finite().nonnegative('must not be negative');

/**
 * What a tier of users pays: a seat price per month, and optionally an allowance with an overage price.
 * The allowance is counted in requests or in inference cost, not both, since mixing them leaves it unclear
 * which runs out first.
 */
export const planSchema = z
  .object({
    seat_price_usd_per_month: dollars.describe('What one seat pays per month, charged for every month the user is active.'),
    included_requests: z
      .number()
      .int('must be a whole number')
      .nonnegative('must not be negative')
      .optional()
      .describe('Requests (calls that did not fail) per seat and month the seat price covers.'),
    overage_usd_per_request: dollars.optional().describe('The price of each request beyond included_requests.'),
    included_usd: dollars.optional().describe('Inference cost per seat and month the seat price covers.'),
    overage_markup: z
      .number()
      .finite()
      .nonnegative('must not be negative')
      .optional()
      .describe('Inference cost beyond included_usd is billed at cost × (1 + overage_markup): 0.2 bills 20% over cost.'),
  })
  .strict()
  .superRefine((plan, context) => {
    const byRequests = plan.included_requests !== undefined || plan.overage_usd_per_request !== undefined;
    const byCost = plan.included_usd !== undefined || plan.overage_markup !== undefined;
    if (byRequests && byCost) {
      context.addIssue({ code: 'custom', path: ['included_usd'], message: 'a plan counts its allowance in requests or in dollars of inference, not both' });
    }
  });

/** Plans by tier: the keys are the user_tier values events carry. */
export const plansSchema = z.record(z.string().min(1), planSchema);

/** How revenue is split among the features a user used. */
export const revenueAttributionMethods = ['cost_share', 'request_share', 'fixed_weights'] as const;

/** The revenue_attribution section of the config. */
export const revenueAttributionSchema = z
  .object({
    // Cost share is the default: it answers "does each feature earn what it costs", the margin question.
    method: z.enum(revenueAttributionMethods).default('cost_share'),
    weights: z.record(z.string().min(1), z.number().finite().nonnegative('must not be negative')).optional(),
  })
  .strict()
  .superRefine((attribution, context) => {
    if (attribution.method !== 'fixed_weights') return;
    const weights = Object.values(attribution.weights ?? {});
    if (!weights.some((weight) => weight > 0)) {
      context.addIssue({ code: 'custom', path: ['weights'], message: 'fixed_weights needs weights: {feature: weight}, at least one above zero' });
    }
  });

/** A plan as configured. */
export type Plan = z.infer<typeof planSchema>;
/** Plans by tier. */
export type Plans = z.infer<typeof plansSchema>;
/** The revenue attribution settings. */
export type RevenueAttribution = z.infer<typeof revenueAttributionSchema>;

/** What one seat paid in one month, in picodollars. */
export interface SeatMonthRevenue {
  seat: bigint;
  overage: bigint;
  total: bigint;
}

/**
 * What one active seat of a plan pays in one month: the seat price, plus overage beyond the allowance,
 * counted in requests (calls that did not fail) or in inference cost (picodollars) as the plan says.
 */
export function seatMonthRevenue(plan: Plan, usage: { requests: number; costPicodollars: bigint }): SeatMonthRevenue {
  const seat = usdToExactPicodollars(plan.seat_price_usd_per_month);
  let overage = 0n;
  if (plan.overage_usd_per_request !== undefined) {
    const extra = Math.max(0, usage.requests - (plan.included_requests ?? 0));
    overage = BigInt(extra) * usdToExactPicodollars(plan.overage_usd_per_request);
  } else if (plan.overage_markup !== undefined) {
    const extra = usage.costPicodollars - usdToExactPicodollars(plan.included_usd ?? 0);
    if (extra > 0n) {
      // cost × (1 + markup), the markup read as the decimal it was written as, rounded half up to a picodollar.
      const factor = 1_000_000_000_000n + scaledDecimal(plan.overage_markup, 12);
      overage = (extra * factor + 500_000_000_000n) / 1_000_000_000_000n;
    }
  }
  return { seat, overage, total: seat + overage };
}
