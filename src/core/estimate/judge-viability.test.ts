import { describe, expect, it } from 'vitest';
import { judgeViability, percent } from './judge-viability.js';

const defaults = { maxCostShareOfArpu: 0.25, minInferenceMargin: 0.4 };
const usd = 1e12;

describe('judgeViability', () => {
  it('calls a feature viable within the default thresholds', () => {
    const viability = judgeViability(2 * usd, 10, defaults);
    expect(viability).toEqual({ costShareOfArpu: 0.2, grossMargin: 0.8, verdict: 'viable', breaches: [] });
  });

  it('counts a cost of exactly the ceiling as within it', () => {
    expect(judgeViability(2.5 * usd, 10, defaults).verdict).toBe('viable');
  });

  it('marks a feature at risk above the cost-share ceiling and says why', () => {
    const viability = judgeViability(3 * usd, 10, defaults);
    expect(viability.verdict).toBe('at_risk');
    expect(viability.breaches).toHaveLength(1);
    expect(viability.breaches[0]).toMatchObject({ threshold: 'max_cost_share_of_arpu', limit: 0.25 });
    expect(viability.breaches[0]!.actual).toBeCloseTo(0.3, 12);
    expect(viability.breaches[0]!.explanation).toBe('AI cost takes 30% of ARPU, above the 25% ceiling (max_cost_share_of_arpu)');
  });

  it('judges against configured thresholds', () => {
    const viability = judgeViability(3 * usd, 10, { maxCostShareOfArpu: 0.35, minInferenceMargin: 0.75 });
    expect(viability.verdict).toBe('at_risk');
    expect(viability.breaches.map((breach) => breach.threshold)).toEqual(['min_inference_margin']);
    expect(viability.breaches[0]!.explanation).toBe('gross margin after AI cost is 70%, below the 75% floor (min_inference_margin)');
  });

  it('calls a feature unviable when AI cost reaches ARPU', () => {
    const viability = judgeViability(12 * usd, 10, defaults);
    expect(viability.verdict).toBe('unviable');
    expect(viability.grossMargin).toBeCloseTo(-0.2, 12);
    expect(viability.breaches.map((breach) => breach.threshold)).toEqual(['positive_margin', 'max_cost_share_of_arpu', 'min_inference_margin']);
    expect(viability.breaches[0]!.explanation).toBe('AI cost of $12.00 per user per month is at or above the ARPU of $10.00: every user loses money');
  });

  it('formats ratios as percentages with one decimal', () => {
    expect([percent(0.256), percent(0.04), percent(-0.039)]).toEqual(['25.6%', '4%', '-3.9%']);
  });
});
