import { describe, expect, it } from 'vitest';
import { allocationFor, statementsConfigSchema } from './statement-config.js';

function issuesOf(config: unknown): Array<{ path: PropertyKey[]; message: string }> {
  const result = statementsConfigSchema.safeParse(config);
  return result.success ? [] : result.error.issues.map(({ path, message }) => ({ path, message }));
}

describe('statementsConfigSchema', () => {
  it('shares calls without the tag in proportion to direct cost when nothing is configured', () => {
    expect(allocationFor(statementsConfigSchema.parse({}), 'team')).toEqual({ shared: [], rule: 'proportional' });
  });

  it('reads shared values and each rule per tag', () => {
    const config = statementsConfigSchema.parse({
      allocation: { team: { shared: ['platform'], rule: 'even' }, feature: { rule: { fixed: { 'team-a': 0.6, 'team-b': 0.4 } } } },
    });
    expect(allocationFor(config, 'team')).toEqual({ shared: ['platform'], rule: 'even' });
    expect(allocationFor(config, 'feature').rule).toEqual({ fixed: { 'team-a': 0.6, 'team-b': 0.4 } });
  });

  it('refuses fixed shares that do not sum to 1, naming the field and the sum', () => {
    expect(issuesOf({ allocation: { team: { rule: { fixed: { 'team-a': 0.6, 'team-b': 0.3 } } } } })).toEqual([
      { path: ['allocation', 'team', 'rule', 'fixed'], message: 'shares must sum to 1, they sum to 0.9' },
    ]);
  });

  it('accepts shares whose decimal sum is 1 but not in binary', () => {
    expect(issuesOf({ allocation: { team: { rule: { fixed: { a: 0.1, b: 0.2, c: 0.7 } } } } })).toEqual([]);
  });

  it('refuses a shared value that also has a fixed share', () => {
    expect(issuesOf({ allocation: { team: { shared: ['platform'], rule: { fixed: { platform: 0.5, a: 0.5 } } } } })).toEqual([
      { path: ['allocation', 'team', 'rule', 'fixed', 'platform'], message: '"platform" is listed in shared: a shared value cannot also receive a share' },
    ]);
  });

  it('names the rules it knows when given another, and the tags when grouping by an unknown one', () => {
    expect(issuesOf({ allocation: { team: { rule: 'by-headcount' } } })[0]).toMatchObject({ path: ['allocation', 'team', 'rule'], message: expect.stringContaining('proportional') });
    expect(issuesOf({ allocation: { customer: { rule: 'even' } } })[0]?.message).toContain('must be a tag statements can group by');
  });

  it('refuses unknown fields, so that a typo is not silently ignored', () => {
    expect(issuesOf({ allocation: { team: { rules: 'even' } } })[0]).toMatchObject({ path: ['allocation', 'team'] });
  });
});
