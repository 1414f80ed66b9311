import { describe, expect, it } from 'vitest';
import { emptyGroupAggregate } from './group-aggregate.js';
import { defaultKpiThresholds, evaluateKpis } from './kpi-thresholds.js';
import { reportMeasures, type ReportMeasures } from './report-measures.js';

const measures = (overrides: Partial<ReportMeasures>): ReportMeasures => ({ ...reportMeasures(emptyGroupAggregate(), true), ...overrides });
const status = (checks: ReturnType<typeof evaluateKpis>) => Object.fromEntries(checks.map((check) => [check.kpi, check.status]));

describe('KPI thresholds', () => {
  it('flags a margin under 40% and a cost per user over a quarter of ARPU', () => {
    const checks = evaluateKpis(measures({ inference_margin: 0.39, cost_per_active_user_month_usd: 2.6 }), null, 10, defaultKpiThresholds);
    expect(status(checks)).toMatchObject({ inference_margin: 'breach', cost_per_active_user_month: 'breach' });
    expect(checks.find((check) => check.kpi === 'cost_per_active_user_month')?.limit).toBe(2.5);
  });

  it('passes a margin of exactly 40% and a cost per user of exactly a quarter of ARPU', () => {
    expect(status(evaluateKpis(measures({ inference_margin: 0.4, cost_per_active_user_month_usd: 2.5 }), null, 10, defaultKpiThresholds))).toMatchObject({
      inference_margin: 'ok',
      cost_per_active_user_month: 'ok',
    });
  });

  it('flags a cache hit rate down more than 25 points and a frontier share up more than 10', () => {
    const before = measures({ prompt_cache_hit_rate: 0.8, response_cache_hit_rate: 0.3, frontier_call_share: 0.1 });
    const now = measures({ prompt_cache_hit_rate: 0.54, response_cache_hit_rate: 0.05, frontier_call_share: 0.2 });
    expect(status(evaluateKpis(now, before, null, defaultKpiThresholds))).toMatchObject({
      prompt_cache_hit_rate: 'breach',
      response_cache_hit_rate: 'ok',
      frontier_call_share: 'ok',
    });
    expect(status(evaluateKpis(measures({ frontier_call_share: 0.21 }), before, null, defaultKpiThresholds)).frontier_call_share).toBe('breach');
  });

  it('says no data rather than ok when a KPI cannot be computed', () => {
    expect(status(evaluateKpis(measures({}), null, null, defaultKpiThresholds))).toEqual({
      inference_margin: 'no_data',
      cost_per_active_user_month: 'no_data',
      prompt_cache_hit_rate: 'no_data',
      response_cache_hit_rate: 'no_data',
      frontier_call_share: 'no_data',
    });
  });

  it('uses the configured limits', () => {
    const checks = evaluateKpis(measures({ inference_margin: 0.5 }), null, null, { ...defaultKpiThresholds, minInferenceMargin: 0.6 });
    expect(checks[0]).toMatchObject({ status: 'breach', rule: 'margin ≥ 60%' });
  });
});
