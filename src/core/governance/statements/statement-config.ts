import { z } from 'zod';
import { reportDimensions, type ReportDimension } from '../../kpi/report-aggregates.js';

/** How shared cost is split among a statement's groups: by their direct cost, evenly, or by fixed shares. */
export type AllocationRule = 'proportional' | 'even' | { fixed: Record<string, number> };

// Shares written as decimals (0.6, 0.4) rarely add to exactly 1 in binary: a billionth is as close as anyone writes them.
const shareTolerance = 1e-9;

const fixedSharesSchema = z
  .object({
    fixed: z
      .record(z.string().min(1, 'a group value must not be empty'), z.number().min(0, 'must be at least 0 (a fraction: 0.6 is 60%)').max(1, 'must be at most 1 (a fraction: 0.6 is 60%)'))
      .refine((shares) => Object.keys(shares).length > 0, 'must name at least one group and its share'),
  })
  .strict()
  .superRefine((rule, context) => {
    const sum = Object.values(rule.fixed).reduce((total, share) => total + share, 0);
    // Shares that add to less than 1 would leave shared cost on nobody's statement; more than 1 would bill it twice.
    if (Math.abs(sum - 1) > shareTolerance) {
      context.addIssue({ code: 'custom', path: ['fixed'], message: `shares must sum to 1, they sum to ${Number(sum.toFixed(9))}` });
    }
  });

/** The allocation of one grouping tag: which of its values are shared, and how they are split. */
export const statementAllocationSchema = z
  .object({
    // Calls with no value for the tag are always shared; these values are too (a platform team, an internal tool).
    shared: z.array(z.string().min(1, 'must not be empty')).default([]),
    rule: z
      .union([z.enum(['proportional', 'even']), fixedSharesSchema], {
        error: () => 'must be proportional (to direct cost), even, or { fixed: { <group>: <share>, … } } with shares summing to 1',
      })
      .default('proportional'),
  })
  .strict()
  .superRefine((allocation, context) => {
    const rule = allocation.rule;
    if (typeof rule === 'string') return;
    // A shared value given a share would hand shared cost back to the pool it came from.
    for (const group of Object.keys(rule.fixed)) {
      if (allocation.shared.includes(group)) {
        context.addIssue({ code: 'custom', path: ['rule', 'fixed', group], message: `"${group}" is listed in shared: a shared value cannot also receive a share` });
      }
    }
  });

/** The `statements:` section: per grouping tag (team, feature, …), how its shared cost is allocated. */
export const statementsConfigSchema = z
  .object({
    allocation: z
      .record(z.string(), statementAllocationSchema)
      .superRefine((allocation, context) => {
        for (const tag of Object.keys(allocation)) {
          if (!(reportDimensions as readonly string[]).includes(tag)) {
            context.addIssue({ code: 'custom', path: [tag], message: `"${tag}" must be a tag statements can group by: ${reportDimensions.join(', ')}` });
          }
        }
      })
      .transform((allocation) => allocation as Partial<Record<ReportDimension, StatementAllocation>>)
      .default({}),
  })
  .strict();

/** A validated allocation of one tag. */
export type StatementAllocation = z.output<typeof statementAllocationSchema>;

/** The validated `statements:` section. */
export type StatementsConfig = z.output<typeof statementsConfigSchema>;

/** The allocation of a tag with nothing configured: calls without the tag are shared, in proportion to direct cost. */
export const defaultStatementAllocation: StatementAllocation = { shared: [], rule: 'proportional' };

/** The allocation configured for a grouping tag, or the default. */
export function allocationFor(config: StatementsConfig, by: ReportDimension): StatementAllocation {
  return config.allocation[by] ?? defaultStatementAllocation;
}
