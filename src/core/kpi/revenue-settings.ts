import type { Plans, RevenueAttribution } from '../events/plans.js';

/**
 * What revenue a report counts and how it is split between groups: the config's plans (seat price per
 * month, allowance, overage) and revenue_attribution, whose meaning src/core/events/plans.ts and
 * attribute-revenue.ts define. A store computes the same attribution in its own query language; the
 * report tests hold it to attributeRevenue's results.
 */
export interface RevenueSettings {
  plans: Plans;
  attribution: RevenueAttribution;
}

/** No plans: revenue comes only from revenue records, split by cost share. */
export const noRevenueSettings: RevenueSettings = { plans: {}, attribution: { method: 'cost_share' } };
