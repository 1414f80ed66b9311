import { describe, expect, it } from 'vitest';
import { PriceCatalog } from '../catalog/price-catalog.js';
import { testProviders } from '../catalog/test-providers.js';
import { estimateScenario, type ScenarioShape } from './estimate-scenario.js';
import { estimateReport } from './estimate-report.js';

const catalog = new PriceCatalog(testProviders);
// Before acme-large's 2026-03-01 price change: $3 input, $15 output.
const march2025 = Date.parse('2025-03-10T12:00:00Z');
const thresholds = { maxCostShareOfArpu: 0.25, minInferenceMargin: 0.4 };
const usd = 1e12;

// $0.006 a call, 5 calls a session, 100 sessions a month: $3.00 of inference per user per month.
const assistant: ScenarioShape['features'][number] = {
  name: 'assistant',
  shape: { model: 'acme-large', input: 1000, output: 200, calls: 5, sessionsPerMonth: 100 },
};

describe('estimateScenario', () => {
  it('adds overheads per user to the inference cost and judges the total against ARPU', () => {
    const result = estimateScenario(
      {
        features: [assistant],
        overheads: [
          { name: 'vector database', usdPerMonth: 500 },
          { name: 'storage', usdPerUserMonth: 0.2 },
          { name: 'human review', percentOfInference: 10 },
        ],
        arpuUsd: 20,
        activeUsers: 1000,
        thresholds,
      },
      catalog,
      march2025,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const estimate = result.estimate;
    expect(estimate.inferencePerUserMonth).toBe(3 * usd);
    expect(estimate.overheads.map((overhead) => overhead.perUserMonth)).toEqual([0.5 * usd, 0.2 * usd, 0.3 * usd]);
    expect(estimate.totalPerUserMonth).toBe(4 * usd);
    expect(estimate.viability).toEqual({ costShareOfArpu: 0.2, grossMargin: 0.8, verdict: 'viable', breaches: [] });
  });

  it('reports in dollars with the model resolved to provider/model and the prices it used', () => {
    const result = estimateScenario({ features: [assistant], arpuUsd: 10, thresholds }, catalog, march2025);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const report = estimateReport(result.estimate, march2025);
    expect(report).toMatchObject({ per_call_usd: 0.006, per_session_usd: 0.03, per_user_month_usd: 3, cost_share_of_arpu: 0.3, gross_margin: 0.7, verdict: 'at_risk' });
    expect(report.models[0]).toMatchObject({ provider: 'acme', model: 'acme-large', prices_usd_per_million: { input: 3, output: 15 } });
    expect(report.breakdown[0]!.by_token_class).toEqual({
      input: { tokens_per_session: 5000, per_call_usd: 0.003, per_session_usd: 0.015, per_user_month_usd: 1.5 },
      output: { tokens_per_session: 1000, per_call_usd: 0.003, per_session_usd: 0.015, per_user_month_usd: 1.5 },
    });
  });

  it('returns an unknown model in a route as an issue with the nearest names', () => {
    const result = estimateScenario(
      { features: [{ name: 'routed', shape: { route: [{ model: 'acme-lage', share: 1 }], input: 10, output: 10 } }], thresholds },
      catalog,
      march2025,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]).toMatchObject({ code: 'unknown_model', feature: 0, path: ['route', 'acme-lage'] });
    expect(result.issues[0]!.suggestions).toContain('acme/acme-large');
  });

  it('prices a model the catalog lacks from inline prices, and needs input and output for it', () => {
    const priced = estimateScenario({ features: [{ name: 'own', shape: { model: 'my-model', prices: { input: 10, output: 30 }, input: 1000, output: 1000 } }], thresholds }, catalog, march2025);
    expect(priced.ok && priced.estimate.features[0]!.estimate.perCall.total).toBe(0.04 * usd);
    const missing = estimateScenario({ features: [{ name: 'own', shape: { model: 'my-model', prices: { input: 10 }, input: 1, output: 1 } }], thresholds }, catalog, march2025);
    expect(!missing.ok && missing.issues[0]).toMatchObject({ code: 'invalid_argument', path: ['prices'] });
  });

  it('lays inline prices over a catalog model as a what-if', () => {
    const result = estimateScenario({ features: [{ name: 'what-if', shape: { model: 'acme-large', prices: { input: 1 }, input: 1000, output: 200 } }], thresholds }, catalog, march2025);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    // $1/M input instead of $3, output still $15.
    expect(result.estimate.features[0]!.estimate.perCall.total).toBe(0.004 * usd);
  });

  it('needs active users to spread a monthly overhead, and sessions per month with ARPU', () => {
    const result = estimateScenario(
      { features: [{ name: 'a', shape: { model: 'acme-large', input: 1, output: 1 } }], overheads: [{ name: 'db', usdPerMonth: 100 }], arpuUsd: 10, thresholds },
      catalog,
      march2025,
    );
    expect(!result.ok && result.issues.map((issue) => issue.path)).toEqual([['sessionsPerMonth'], ['overheads', 0, 'usd_per_month']]);
  });
});
