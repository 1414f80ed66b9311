import { describe, expect, it } from 'vitest';
import { defaultModelTierSettings } from '../core/kpi/model-tier.js';
import { findRateRow } from '../core/simulate/replay-plan.js';
import { createApp } from './create-app.js';
import { buildSimulationRates } from './simulation-rates.js';

const app = createApp({ directory: '/nonexistent-config-dir' });
const day = 86_400_000;
const window = { fromMs: Date.UTC(2026, 2, 1), toMs: Date.UTC(2026, 3, 1) };

describe('the rates a replay prices with', () => {
  it('price a stored model over the whole window, so calls routed to it before its first stored call are priced', () => {
    // claude-haiku-4-5 was stored only in the last week of March; a route sends March 2nd's calls to it.
    const groups = [
      { provider: 'openai', model: 'gpt-4.1', calls: 100, firstMs: window.fromMs, lastMs: window.toMs - 1 },
      { provider: 'anthropic', model: 'claude-haiku-4-5', calls: 10, firstMs: window.toMs - 7 * day, lastMs: window.toMs - 1 },
    ];
    const rates = buildSimulationRates(groups, [{ provider: 'anthropic', model: 'claude-haiku-4-5' }], app.catalog, window, { tiers: defaultModelTierSettings });
    const haiku = rates.keyOf('anthropic', 'claude-haiku-4-5')!;
    const early = findRateRow(rates.rates, haiku, window.fromMs + day, 1_000);
    expect(early?.rates).not.toBeNull();
    expect(early?.rates).toEqual(findRateRow(rates.rates, haiku, window.toMs - day, 1_000)?.rates);
  });
});
