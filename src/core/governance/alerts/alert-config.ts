import { z } from 'zod';
import { reportDimensions } from '../../kpi/report-aggregates.js';

/** The tags an alert rule can be kept per: every dimension a report groups by; left out, the rule watches all spend. */
export const alertScopeTags = reportDimensions;

/** The KPIs a kpi_threshold rule can hold to a limit. */
export const alertKpis = ['inference_margin', 'cost_share_of_arpu', 'prompt_cache_hit_rate', 'response_cache_hit_rate'] as const;

/** One KPI a rule watches. */
export type AlertKpi = (typeof alertKpis)[number];

/** The dollar floor of a spend anomaly when the rule names none: an hour moves less than a day. */
export const defaultMinIncreaseUsd = { hour: 5, day: 25 } as const;

const share = (what: string) => z.number({ error: `must be a fraction (${what}): 0.4 is 40%` }).min(0, 'must be at least 0').max(1, 'must be at most 1 (a fraction: 0.4 is 40%)');

// Shared by every kind: the rule's name (how alerts, mutes and webhooks refer to it) and its scope.
const ruleBase = {
  name: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
  // Left out, the rule watches all spend as one series; a tag, one series per value of it.
  per: z.enum(alertScopeTags, { error: () => `must be one of ${alertScopeTags.join(', ')}, or left out for a rule over all spend` }).optional(),
  // One value of the tag (the feature "support-faq"); left out, every value is watched on its own.
  equals: z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters').optional(),
  // Critical alerts are the ones cron and on-call act on at once; warnings wait for the weekly review.
  severity: z.enum(['info', 'warning', 'critical'], { error: () => 'must be info, warning or critical' }).default('warning'),
};

/** A KPI held to a limit over the last day or week: a margin floor, a cost ceiling against ARPU, a cache hit rate that drops. */
export const kpiThresholdRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('kpi_threshold'),
    kpi: z.enum(alertKpis, { error: () => `must be one of ${alertKpis.join(', ')}` }),
    // KPIs are ratios over many calls: an hour holds too few for a margin to mean anything.
    grain: z.enum(['day', 'week'], { error: () => 'must be day or week (the last 1 or 7 days, today included)' }).default('day'),
    // inference_margin and the hit rates: alert under this fraction.
    below: share('the level to stay above').optional(),
    // cost_share_of_arpu: alert when the cost per active user exceeds this share of the revenue per active user.
    above: share('of ARPU').optional(),
    // Hit rates: alert when the rate falls this many points under its usual level (the days before the window).
    max_drop_points: z.number({ error: 'must be a number of points (25 is 25 points)' }).gt(0, 'must be above 0').max(100, 'must be at most 100').optional(),
    // How far back the usual level of a hit rate reaches: enough days that one odd day does not set it.
    baseline_days: z.number().int('must be a whole number of days').min(1, 'must be at least 1').max(90, 'must be at most 90').default(14),
  })
  .strict()
  .superRefine((rule, context) => {
    const cache = rule.kpi === 'prompt_cache_hit_rate' || rule.kpi === 'response_cache_hit_rate';
    // Each KPI has one direction that hurts: a limit on the other side would alert on good news.
    if (rule.kpi === 'inference_margin' && rule.below === undefined) context.addIssue({ code: 'custom', path: ['below'], message: 'is required for inference_margin: the margin to stay above, e.g. 0.4' });
    if (rule.kpi === 'cost_share_of_arpu' && rule.above === undefined) context.addIssue({ code: 'custom', path: ['above'], message: 'is required for cost_share_of_arpu: the share of ARPU not to exceed, e.g. 0.25' });
    if (cache && rule.below === undefined && rule.max_drop_points === undefined) {
      context.addIssue({ code: 'custom', path: ['below'], message: `needs below (e.g. 0.5), max_drop_points (e.g. 25) or both for ${rule.kpi}` });
    }
    if (rule.kpi !== 'cost_share_of_arpu' && rule.above !== undefined) context.addIssue({ code: 'custom', path: ['above'], message: `applies to cost_share_of_arpu only; ${rule.kpi} alerts when it falls (below)` });
    if (rule.kpi === 'cost_share_of_arpu' && rule.below !== undefined) context.addIssue({ code: 'custom', path: ['below'], message: 'does not apply to cost_share_of_arpu, which alerts when it rises (above)' });
    if (!cache && rule.max_drop_points !== undefined) context.addIssue({ code: 'custom', path: ['max_drop_points'], message: 'applies to the cache hit rates only' });
  });

/** Spend of each series against its seasonal baseline: the same hour or day of the week over the last weeks. */
export const spendAnomalyRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('spend_anomaly'),
    grain: z.enum(['hour', 'day'], { error: () => 'must be hour or day' }).default('day'),
    // Four weeks give four samples of each slot: enough for a median that one odd week does not move.
    baseline_weeks: z.number().int('must be a whole number of weeks').min(2, 'must be at least 2: one week is no baseline').max(12, 'must be at most 12').default(4),
    // Both floors must be passed: a large relative jump of a few cents is noise, a few dollars on a large base is normal.
    min_increase_usd: z.number({ error: 'must be a number of dollars' }).nonnegative('must not be negative').optional(),
    min_relative_increase: z.number({ error: 'must be a fraction: 0.5 is +50%' }).gt(0, 'must be above 0 (a fraction: 0.5 is +50%)').max(100, 'must be at most 100').default(0.5),
    // The robust z-score (median and MAD) above which spend counts as unusual at all.
    min_score: z.number({ error: 'must be a number' }).nonnegative('must not be negative').default(3),
  })
  .strict();

const ruleSchema = z.discriminatedUnion('kind', [kpiThresholdRuleSchema, spendAnomalyRuleSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' && issue.input !== null && typeof issue.input === 'object' && !('kind' in issue.input)
      ? 'is required: kpi_threshold or spend_anomaly (budget alerts come from budgets: alert_at)'
      : 'must be kpi_threshold or spend_anomaly (budget alerts come from budgets: alert_at)',
});

/** The top-level `alerts:` section: every rule, each named once. */
export const alertsSchema = z.array(ruleSchema).superRefine((rules, context) => {
  const seen = new Map<string, number>();
  for (const [index, rule] of rules.entries()) {
    // Mutes, incidents and webhooks name a rule: two of one name could not be told apart.
    const first = seen.get(rule.name);
    if (first === undefined) seen.set(rule.name, index);
    else context.addIssue({ code: 'custom', path: [index, 'name'], message: `"${rule.name}" is already the name of alerts[${first}]; each rule needs its own` });
    // A value without its tag matches nothing: a rule that silently never fires.
    if (rule.equals !== undefined && rule.per === undefined) context.addIssue({ code: 'custom', path: [index, 'equals'], message: `needs per: the tag whose value it is (${alertScopeTags.join(', ')})` });
  }
});

/** A validated rule of either kind. */
export type AlertRule = z.output<typeof ruleSchema>;
/** A validated kpi_threshold rule. */
export type KpiThresholdRule = z.output<typeof kpiThresholdRuleSchema>;
/** A validated spend_anomaly rule. */
export type SpendAnomalyRule = z.output<typeof spendAnomalyRuleSchema>;
