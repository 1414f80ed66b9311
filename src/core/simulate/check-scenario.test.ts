import { describe, expect, it } from 'vitest';
import { PriceCatalog } from '../catalog/price-catalog.js';
import { testProviders } from '../catalog/test-providers.js';
import { checkScenario } from './check-scenario.js';
import { simulationScenarioSchema } from './scenario-schema.js';

const catalog = new PriceCatalog(testProviders);
const check = (levers: unknown[]) => checkScenario(simulationScenarioSchema.parse({ levers }), { features: ['chat', 'agent'], catalog });

describe('checkScenario', () => {
  it('accepts levers of different kinds on one feature, and disjoint route rules', () => {
    expect(
      check([
        { output_cap: { feature: 'chat', max_tokens: 100 } },
        { prompt_trim: { feature: 'chat', share: 0.1 } },
        { route: { feature: 'agent', to: 'acme-small-4-5', when: { input_tokens_at_most: 1000 } } },
        { route: { feature: 'agent', to: 'acme-small-4-5', when: { input_tokens_above: 1000 } } },
      ]),
    ).toEqual([]);
  });

  it('refuses a feature with no recorded call, pointing at it in a list', () => {
    expect(check([{ output_cap: { feature: ['chat', 'chta'], max_tokens: 100 } }])).toEqual([
      expect.objectContaining({ path: ['levers', 0, 'output_cap', 'feature', 1], code: 'unknown_feature', suggestions: ['chat'] }),
    ]);
  });

  it('refuses overlapping route rules and two levers of a kind on the same calls', () => {
    const issues = check([
      { route: { feature: 'agent', to: 'acme-small-4-5', when: { step_from: 1, step_to: 5 } } },
      { route: { feature: 'agent', to: 'acme-small-4-5', when: { step_from: 5 } } },
      { output_cap: { max_tokens: 100 } },
      { output_cap: { feature: 'chat', max_tokens: 200 } },
    ]);
    expect(issues.map((issue) => issue.path)).toEqual([
      ['levers', 1, 'route', 'feature'],
      ['levers', 3, 'output_cap', 'feature'],
    ]);
  });

  it('refuses a rule that matches nothing and a cascade with a misroute rate', () => {
    const issues = check([{ route: { feature: 'agent', to: 'acme-small-4-5', when: { step_from: 4, step_to: 2 }, misroute_rate: 0.1, cascade: { escalation_share: 0.2 } } }]);
    expect(issues.map((issue) => issue.path.at(-1))).toEqual(['step_to', 'misroute_rate']);
  });
});
