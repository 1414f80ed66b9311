import { z } from 'zod';

/** The tags a budget can be kept per; a budget without `per` covers all spend. */
export const budgetScopes = ['team', 'feature', 'user_tier', 'user_id', 'session_id'] as const;

/** One tag a budget can be kept per. */
export type BudgetScope = (typeof budgetScopes)[number];

/** The calendar periods a budget counts over, in UTC. */
export const budgetPeriods = ['day', 'week', 'month'] as const;

/** One calendar period of a budget. */
export type BudgetPeriod = (typeof budgetPeriods)[number];

/** The alert points of a budget that names none: half spent, most of it spent, all of it spent. */
export const defaultAlertPoints = [0.5, 0.8, 1];

// Above 150% a budget is long gone: a point there would alert on nothing anyone could still act on.
const maxAlertPoint = 1.5;

/** One budget: a spending limit on one scope over a calendar period, hard or soft, with its alert points. */
export const budgetSchema = z
  .object({
    // Named in the gateway's refusal and in alerts, so that whoever meets it knows which limit to raise; unique (see budgetsSchema).
    name: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
    // Left out, the budget covers all spend: one limit for the whole company or product.
    per: z.enum(budgetScopes, { error: () => `must be one of ${budgetScopes.join(', ')}, or left out for a budget over all spend` }).optional(),
    // One value only (the team "support"); left out, every value of the tag has a budget of its own.
    equals: z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters').optional(),
    // Calendar periods in UTC, as reports count them: a day, an ISO week from Monday, a month.
    period: z.enum(budgetPeriods, { error: () => `must be one of ${budgetPeriods.join(', ')}` }),
    // A limit of zero or less would refuse every call; "no budget" is written by leaving the budget out.
    limit_usd: z.number({ error: (issue) => (issue.input === undefined ? 'is required: the limit in dollars' : 'must be a number of dollars') }).positive('must be above 0'),
    // No default: the gateway refuses calls over a hard budget, so nobody should get one by leaving a word out.
    // hard: the gateway answers 429 once the limit is reached; soft: calls go through, and the overrun is logged and alerted.
    mode: z.enum(['hard', 'soft'], { error: () => 'must be hard (refuse calls past the limit) or soft (let them through, alert)' }),
    // Fractions of the limit at which governance alerts: 0.8 is 80%. Above 1 alerts on an overrun a soft budget allows.
    alert_at: z
      .array(z.number().gt(0, 'must be above 0 (a fraction of the limit: 0.8 is 80%)').max(maxAlertPoint, `must be at most ${maxAlertPoint} (a fraction of the limit: 0.8 is 80%)`))
      .min(1, 'must list at least one point; leave it out for 0.5, 0.8 and 1')
      .refine((points) => points.every((point, index) => index === 0 || point > points[index - 1]!), 'must be in increasing order, each point once')
      .default(defaultAlertPoints),
  })
  .strict()
  .superRefine((budget, context) => {
    // A value without its tag matches nothing: it is a budget that silently never applies.
    if (budget.equals !== undefined && budget.per === undefined) {
      context.addIssue({ code: 'custom', path: ['equals'], message: `needs per: the tag whose value it is (${budgetScopes.join(', ')})` });
    }
  });

/** The top-level `budgets:` section: every budget, each named once. */
export const budgetsSchema = z.array(budgetSchema).superRefine((budgets, context) => {
  // The name is how a refusal, an alert and the budget report refer to a budget: two of the same would be told apart by nobody.
  const seen = new Map<string, number>();
  for (const [index, budget] of budgets.entries()) {
    const first = seen.get(budget.name);
    if (first === undefined) seen.set(budget.name, index);
    else context.addIssue({ code: 'custom', path: [index, 'name'], message: `"${budget.name}" is already the name of budgets[${first}]; each budget needs its own` });
  }
});

/** A validated budget. */
export type Budget = z.output<typeof budgetSchema>;
