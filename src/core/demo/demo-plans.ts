import type { Plans } from '../events/plans.js';

/**
 * The plans of the demo's users. The demo bills them itself, as revenue records (a seat invoice at each
 * paying user's first call of a month, overage invoices when a month closes), the way a billing export
 * would arrive, so its reports show revenue and margins with no config. Configure these same plans only
 * for your own traffic: with the demo's invoices already stored, configured seat prices count twice.
 */
export const demoPlans: Plans = {
  free: { seat_price_usd_per_month: 0 },
  pro: { seat_price_usd_per_month: 20, included_requests: 1000, overage_usd_per_request: 0.01 },
  enterprise: { seat_price_usd_per_month: 60, included_requests: 2500, overage_usd_per_request: 0.008 },
};

/** The demo's user tiers, in the order of the plans above. */
export const demoTiers = ['free', 'pro', 'enterprise'] as const;

/** One of the demo's user tiers. */
export type DemoTier = (typeof demoTiers)[number];
