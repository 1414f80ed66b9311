import { describe, expect, it } from 'vitest';
import { alertsSchema } from './alert-config.js';

function issuesOf(rules: unknown): Array<{ path: PropertyKey[]; message: string }> {
  const result = alertsSchema.safeParse(rules);
  return result.success ? [] : result.error.issues.map(({ path, message }) => ({ path, message }));
}

describe('alertsSchema', () => {
  it('gives a spend anomaly rule daily grain, four weeks of baseline, +50% and a score of 3 by default', () => {
    expect(alertsSchema.parse([{ name: 'spend', kind: 'spend_anomaly', per: 'model' }])).toEqual([
      { name: 'spend', kind: 'spend_anomaly', per: 'model', severity: 'warning', grain: 'day', baseline_weeks: 4, min_relative_increase: 0.5, min_score: 3 },
    ]);
  });

  it('takes any tag a report groups by as a scope, and names them when given another', () => {
    expect(issuesOf([{ name: 'a', kind: 'spend_anomaly', per: 'user_tier' }])).toEqual([]);
    expect(issuesOf([{ name: 'a', kind: 'spend_anomaly', per: 'customer' }])).toEqual([
      { path: [0, 'per'], message: 'must be one of feature, team, user_tier, model, provider, environment, user_id, session_id, or left out for a rule over all spend' },
    ]);
  });

  it('refuses a negative dollar floor, a week grain for anomalies, and an unknown kind', () => {
    expect(issuesOf([{ name: 'a', kind: 'spend_anomaly', min_increase_usd: -5 }])).toEqual([{ path: [0, 'min_increase_usd'], message: 'must not be negative' }]);
    expect(issuesOf([{ name: 'a', kind: 'spend_anomaly', grain: 'week' }])).toEqual([{ path: [0, 'grain'], message: 'must be hour or day' }]);
    expect(issuesOf([{ name: 'a', kind: 'budget' }])[0]).toMatchObject({ path: [0, 'kind'], message: expect.stringContaining('must be kpi_threshold or spend_anomaly') });
  });

  it('asks each KPI for the limit on the side that hurts', () => {
    expect(issuesOf([{ name: 'a', kind: 'kpi_threshold', kpi: 'inference_margin' }])).toEqual([{ path: [0, 'below'], message: 'is required for inference_margin: the margin to stay above, e.g. 0.4' }]);
    expect(issuesOf([{ name: 'a', kind: 'kpi_threshold', kpi: 'cost_share_of_arpu', below: 0.2 }]).map((issue) => issue.path)).toEqual([[0, 'above'], [0, 'below']]);
    expect(issuesOf([{ name: 'a', kind: 'kpi_threshold', kpi: 'prompt_cache_hit_rate', below: 0.5 }])).toEqual([]);
    expect(issuesOf([{ name: 'a', kind: 'kpi_threshold', kpi: 'prompt_cache_hit_rate' }])[0]).toMatchObject({ path: [0, 'below'] });
  });

  it('refuses two rules of one name and a value without its tag', () => {
    expect(issuesOf([{ name: 'a', kind: 'spend_anomaly' }, { name: 'a', kind: 'spend_anomaly', equals: 'x' }])).toEqual([
      { path: [1, 'name'], message: '"a" is already the name of alerts[0]; each rule needs its own' },
      { path: [1, 'equals'], message: 'needs per: the tag whose value it is (feature, team, user_tier, model, provider, environment, user_id, session_id)' },
    ]);
  });
});
