import { describe, expect, it } from 'vitest';
import { budgetsSchema } from './budget-config.js';

const daily = { name: 'support-daily', per: 'team', equals: 'support', period: 'day', limit_usd: 50, mode: 'hard' };

function issuesOf(budgets: unknown): Array<{ path: PropertyKey[]; message: string }> {
  const result = budgetsSchema.safeParse(budgets);
  return result.success ? [] : result.error.issues.map(({ path, message }) => ({ path, message }));
}

describe('budgetsSchema', () => {
  it('alerts at half, most and all of the limit when a budget names no points', () => {
    expect(budgetsSchema.parse([daily])).toEqual([{ ...daily, alert_at: [0.5, 0.8, 1] }]);
  });

  it('takes a budget without per as one budget over all spend', () => {
    expect(budgetsSchema.parse([{ name: 'company-monthly', period: 'month', limit_usd: 10_000, mode: 'soft' }])[0]).not.toHaveProperty('per');
  });

  it('names the scopes it knows when per is another', () => {
    expect(issuesOf([{ ...daily, per: 'customer' }])).toEqual([
      { path: [0, 'per'], message: 'must be one of team, feature, user_tier, user_id, session_id, or left out for a budget over all spend' },
    ]);
  });

  it('refuses a limit of zero or less', () => {
    expect(issuesOf([{ ...daily, limit_usd: -5 }])).toEqual([{ path: [0, 'limit_usd'], message: 'must be above 0' }]);
    expect(issuesOf([{ ...daily, limit_usd: 0 }])).toHaveLength(1);
  });

  it('refuses two budgets of one name, pointing at the second', () => {
    expect(issuesOf([daily, { ...daily, equals: 'devtools' }])).toEqual([
      { path: [1, 'name'], message: '"support-daily" is already the name of budgets[0]; each budget needs its own' },
    ]);
  });

  it('asks for the mode, since a hard budget refuses calls at the gateway', () => {
    const { mode: _mode, ...withoutMode } = daily;
    expect(issuesOf([withoutMode])[0]).toMatchObject({ path: [0, 'mode'] });
  });

  it('wants alert points as increasing fractions up to 1.5', () => {
    expect(budgetsSchema.parse([{ ...daily, alert_at: [0.9, 1.2] }])[0]?.alert_at).toEqual([0.9, 1.2]);
    expect(issuesOf([{ ...daily, alert_at: [80] }])[0]).toMatchObject({ path: [0, 'alert_at', 0], message: expect.stringContaining('at most 1.5') });
    expect(issuesOf([{ ...daily, alert_at: [0] }])[0]).toMatchObject({ path: [0, 'alert_at', 0], message: expect.stringContaining('above 0') });
    expect(issuesOf([{ ...daily, alert_at: [0.8, 0.5] }])).toEqual([{ path: [0, 'alert_at'], message: 'must be in increasing order, each point once' }]);
  });

  it('refuses equals without per, a value of no tag that would never apply', () => {
    const { per: _per, ...withoutPer } = daily;
    expect(issuesOf([withoutPer])).toEqual([{ path: [0, 'equals'], message: 'needs per: the tag whose value it is (team, feature, user_tier, user_id, session_id)' }]);
  });

  it('refuses unknown fields, so that a typo is not a budget silently ignored', () => {
    expect(issuesOf([{ ...daily, limit: 5 }])[0]).toMatchObject({ path: [0] });
  });
});
