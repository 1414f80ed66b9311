import { describe, expect, it } from 'vitest';
import { loadBundledProviders } from '../src/app/load-bundled-providers.js';
import { PriceCatalog } from '../src/core/catalog/price-catalog.js';
import { compareModelResolution, comparePricing } from './pricing-agreement.js';
import {
  priceCallsFast,
  priceCallsWithResolvedCards,
  priceCallsWithTimelines,
  priceEachCall,
  priceEachCallWithGenaiPrices,
  resolveCards,
} from './pricing-engines.js';
import { callsFromRows, generateSyntheticCalls, type SyntheticCalls } from './synthetic-calls.js';

// The benchmark's correctness half, small enough for CI; its timings are never asserted.
const providers = loadBundledProviders();

function expectAgreement(calls: SyntheticCalls): void {
  const ours = priceEachCall(new PriceCatalog(providers), calls);
  const theirs = priceEachCallWithGenaiPrices(calls);
  const agreement = comparePricing(calls, ours, theirs, 3);
  expect(agreement.examples).toEqual([]);
  expect(agreement.disagreements).toBe(0);
  expect(agreement.unpricedByBoth).toBe(0);
  expect(agreement.totalsAgree).toBe(true);

  let perCallSum = 0n;
  for (const cost of ours) perCallSum += BigInt(cost);
  const catalog = new PriceCatalog(providers);
  expect(priceCallsFast(catalog, calls)).toEqual({ totalPicodollars: perCallSum, unpriced: 0 });
  expect(priceCallsWithTimelines(catalog, calls)).toEqual({ totalPicodollars: perCallSum, unpriced: 0 });
  expect(priceCallsWithResolvedCards(calls, resolveCards(catalog, calls))).toEqual({ totalPicodollars: perCallSum, unpriced: 0 });
}

describe('the pricing benchmark', () => {
  it('resolves every model of its mix to the same catalog entry as calcPrice', () => {
    const calls = generateSyntheticCalls(1, 1);
    expect(compareModelResolution(new PriceCatalog(providers), calls.models)).toEqual([]);
  });

  it('prices 20,000 synthetic calls as calcPrice does, and the fast total is the exact sum of the calls', () => {
    expectAgreement(generateSyntheticCalls(20_000, 20_250_101));
  });

  it('generates the same calls from the same seed', () => {
    const first = generateSyntheticCalls(1000, 7);
    const second = generateSyntheticCalls(1000, 7);
    expect(second.inputTotal).toEqual(first.inputTotal);
    expect(second.timestampMs).toEqual(first.timestampMs);
    expect(generateSyntheticCalls(1000, 8).inputTotal).not.toEqual(first.inputTotal);
  });

  it('agrees with calcPrice on tier thresholds, 1-hour writes, dated changes, daily windows and request fees', () => {
    const rows = [
      // "Above 200k" is strictly above, on the input total including cached tokens.
      { provider: 'anthropic', model: 'claude-sonnet-4-5', at: '2025-09-01T12:00:00Z', inputTotal: 200_000, cacheRead: 150_000, cacheWrite1h: 10_000, outputTotal: 900 },
      { provider: 'anthropic', model: 'claude-sonnet-4-5', at: '2025-09-01T12:00:00Z', inputTotal: 200_001, cacheRead: 150_000, cacheWrite1h: 10_000, outputTotal: 900 },
      { provider: 'anthropic', model: 'claude-sonnet-4-5', at: '2025-09-01T12:00:00Z', inputTotal: 640_000, cacheWrite5m: 200_000, cacheWrite1h: 300_000, outputTotal: 9000, reasoning: 4000 },
      { provider: 'google', model: 'gemini-2.5-pro', at: '2025-09-01T12:00:00Z', inputTotal: 200_001, cacheRead: 199_000, outputTotal: 100, reasoning: 60 },
      { provider: 'google', model: 'gemini-3-pro-preview', at: '2026-02-01T12:00:00Z', inputTotal: 999_999, cacheRead: 1, outputTotal: 1 },
      { provider: 'anthropic', model: 'claude-opus-4-7', at: '2026-05-01T00:00:00Z', inputTotal: 50_000, cacheRead: 20_000, cacheWrite5m: 10_000, cacheWrite1h: 15_000, outputTotal: 2000 },
      // o3's price change at midnight UTC, on either side of it.
      { provider: 'openai', model: 'o3', at: '2025-06-09T23:59:59.999Z', inputTotal: 10_000, cacheRead: 5000, outputTotal: 3000, reasoning: 2500 },
      { provider: 'openai', model: 'o3', at: '2025-06-10T00:00:00.000Z', inputTotal: 10_000, cacheRead: 5000, outputTotal: 3000, reasoning: 2500 },
      { provider: 'mistral', model: 'mistral-medium-latest', at: '2026-06-16T00:00:00Z', inputTotal: 5000, cacheRead: 1000, outputTotal: 500 },
      // deepseek-v4-pro: a start date and two daily peak windows, whose prices win at any date.
      { provider: 'deepseek', model: 'deepseek-v4-pro', at: '2025-03-01T12:00:00Z', inputTotal: 5000, cacheRead: 4000, outputTotal: 700, reasoning: 300 },
      { provider: 'deepseek', model: 'deepseek-v4-pro', at: '2026-08-16T02:00:00Z', inputTotal: 5000, cacheRead: 4000, outputTotal: 700 },
      { provider: 'deepseek', model: 'deepseek-v4-pro', at: '2026-08-17T00:00:00Z', inputTotal: 5000, cacheRead: 4000, outputTotal: 700 },
      { provider: 'deepseek', model: 'deepseek-v4-pro', at: '2026-08-17T03:59:59.999Z', inputTotal: 5000, cacheRead: 4000, outputTotal: 700 },
      { provider: 'deepseek', model: 'deepseek-v4-pro', at: '2026-08-17T04:00:00Z', inputTotal: 5000, cacheRead: 4000, outputTotal: 700 },
      { provider: 'deepseek', model: 'deepseek-v4-pro', at: '2026-08-17T06:00:00Z', inputTotal: 5000, cacheRead: 4000, outputTotal: 700 },
      // deepseek-chat's window wraps nothing but ends mid-hour: 00:30 to 16:30 UTC.
      { provider: 'deepseek', model: 'deepseek-chat', at: '2025-05-01T00:29:59Z', inputTotal: 3000, cacheRead: 1000, outputTotal: 400 },
      { provider: 'deepseek', model: 'deepseek-chat', at: '2025-05-01T00:30:00Z', inputTotal: 3000, cacheRead: 1000, outputTotal: 400 },
      { provider: 'deepseek', model: 'deepseek-chat', at: '2025-05-01T16:30:00Z', inputTotal: 3000, cacheRead: 1000, outputTotal: 400 },
      // Reasoning priced apart from output, and a flat fee per request.
      { provider: 'perplexity', model: 'sonar-deep-research', at: '2025-08-01T00:00:00Z', inputTotal: 1200, outputTotal: 9000, reasoning: 7000 },
      { provider: 'perplexity', model: 'sonar-pro', at: '2025-08-01T00:00:00Z', inputTotal: 1200, outputTotal: 300 },
      { provider: 'x-ai', model: 'grok-4', at: '2025-08-01T00:00:00Z', inputTotal: 1200, cacheRead: 1000, outputTotal: 300, reasoning: 200 },
    ];
    expectAgreement(callsFromRows(rows));
  });
});
