import { describe, expect, it } from 'vitest';
import { whatIfLevers, whatIfProblem, whatIfDefaults } from '../../web/src/what-if-scenario.js';

// The what-if page's sentences for a refused scenario (web/src/what-if-scenario.ts), from the messages POST /v1/simulate sends.
describe("the what-if page's messages for a refused scenario", () => {
  it('names the field as the form labels it, without the scenario line or lever path', () => {
    const cases: Array<[string, string, string]> = [
      ['scenario:6: levers[0].route.share: must be between 0 and 1', 'levers[0].route.share', 'Share of calls routed must be between 0 and 1.'],
      ['scenario:7: levers[1].prompt_cache.hit_rate: must be between 0 and 1', 'levers[1].prompt_cache.hit_rate', 'Prompt-cache hit rate must be between 0 and 1.'],
      ['scenario:6: levers[0].output_cap.max_tokens: must not be negative', 'levers[0].output_cap.max_tokens', 'Max output tokens per call must not be negative.'],
      ['scenario:8: levers[2].price_change.batch.discount: must be between 0 and 1', 'levers[2].price_change.batch.discount', 'Batch discount must be between 0 and 1.'],
    ];
    for (const [message, field, shown] of cases) expect(whatIfProblem({ message, field })).toBe(shown);
  });

  it('says which model or feature is unknown, and what to do instead', () => {
    expect(whatIfProblem({ message: 'scenario:7: levers[0].route.to: no model matches "foo/bar-model" in the price catalog or the config\'s custom models', field: 'levers[0].route.to' })).toBe(
      'Target model: no model named “foo/bar-model” in the price catalog. Pick one from the list as you type (provider/model, e.g. openai/gpt-4o-mini).',
    );
    expect(whatIfProblem({ message: 'scenario:6: levers[0].route.feature: no recorded call of feature "nope" in the window (features: a, b)', field: 'levers[0].route.feature' })).toBe(
      'Feature: no calls of “nope” were recorded in this time range. Choose another feature, or widen the range.',
    );
  });

  it('never shows a scenario line or a lever path, even for a field it does not know', () => {
    const shown = whatIfProblem({ message: 'scenario:9: levers[3].session_limit: a session limit needs max_steps, max_session_usd or both', field: 'levers[3].session_limit' });
    expect(shown).not.toMatch(/scenario:\d|levers\[/);
    expect(shown).toContain('a session limit needs max_steps');
  });

  it('turns the batch slider into a batch discount on the chosen feature', () => {
    expect(whatIfLevers({ ...whatIfDefaults, feature: 'doc-summarizer', batch_discount: 0.5 })).toEqual([{ price_change: { batch: { feature: 'doc-summarizer', discount: 0.5 } } }]);
  });
});
