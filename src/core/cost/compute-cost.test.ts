import { describe, expect, it } from 'vitest';
import { rateCardFromGenaiPrices, rateCardFromPrices } from '../catalog/rate-card.js';
import { normalizedUsage } from '../usage/normalized-usage.js';
import { computeCost, computeCostTotal } from './compute-cost.js';
import { PicodollarTotal, formatPicodollarsExact } from './picodollars.js';

const anthropicLike = rateCardFromPrices({ input: 5, output: 25, cacheRead: 0.5, cacheWrite5m: 6.25, cacheWrite1h: 10 });

describe('computeCost', () => {
  it('bills server-side web searches at the price per search, as a part of the total of their own', () => {
    // genai-prices prices Claude's searches as web_searches_kcount: 10, i.e. $10 per 1,000 searches.
    const card = rateCardFromGenaiPrices({ input_mtok: 3, output_mtok: 15, web_searches_kcount: 10 });
    const usage = normalizedUsage({ inputTotal: 2000, outputTotal: 800, webSearchRequests: 3 });
    const cost = computeCost(usage, card);
    expect(cost.webSearch).toBe(30_000_000_000);
    expect(cost.total).toBe(2000 * 3_000_000 + 800 * 15_000_000 + 30_000_000_000);
    expect(computeCostTotal(usage, card)).toBe(cost.total);
    // A model without a search price charges nothing for them, and a call without searches nothing either.
    expect(computeCost(usage, anthropicLike).webSearch).toBe(0);
    expect(computeCost(normalizedUsage({ inputTotal: 2000, outputTotal: 800 }), card).webSearch).toBe(0);
  });

  it('takes the search price of the long-context tier when genai-prices tiers it', () => {
    const card = rateCardFromGenaiPrices({ input_mtok: { base: 3, tiers: [{ start: 200_000, price: 6 }] }, output_mtok: 15, web_searches_kcount: { base: 10, tiers: [{ start: 200_000, price: 20 }] } });
    expect(card.base.webSearch).toBe(10_000_000_000);
    expect(card.tiers.map((tier) => [tier.inputAbove, tier.rates.webSearch])).toEqual([[200_000, 20_000_000_000]]);
    expect(computeCost(normalizedUsage({ inputTotal: 250_000, outputTotal: 0, webSearchRequests: 2 }), card).webSearch).toBe(40_000_000_000);
  });

  it('bills uncached input and output at their $/M prices', () => {
    const cost = computeCost(normalizedUsage({ inputTotal: 2000, outputTotal: 800 }), anthropicLike);
    expect(formatPicodollarsExact(cost.total)).toBe('0.03');
  });

  it('bills cache reads at the cached-input rate and never again as input', () => {
    const cost = computeCost(normalizedUsage({ inputTotal: 10_000, cacheRead: 9000, outputTotal: 0 }), anthropicLike);
    expect(cost.cacheRead).toBe(9000 * 500_000);
    expect(cost.input).toBe(1000 * 5_000_000);
    expect(formatPicodollarsExact(cost.total)).toBe('0.0095');
  });

  it('bills 5-minute and 1-hour cache writes at their own premiums', () => {
    const cost = computeCost(normalizedUsage({ inputTotal: 3000, cacheWrite5m: 1000, cacheWrite1h: 1000 }), anthropicLike);
    expect(cost.cacheWrite5m).toBe(1000 * 6_250_000);
    expect(cost.cacheWrite1h).toBe(1000 * 10_000_000);
    expect(cost.input).toBe(1000 * 5_000_000);
  });

  it('bills reasoning at the output price unless the model prices it apart', () => {
    const usage = normalizedUsage({ inputTotal: 0, outputTotal: 1000, reasoning: 600 });
    const atOutput = computeCost(usage, anthropicLike);
    expect(atOutput.reasoning).toBe(600 * 25_000_000);
    expect(atOutput.output).toBe(400 * 25_000_000);
    const apart = computeCost(usage, rateCardFromPrices({ input: 1, output: 2, reasoning: 3 }));
    expect(apart.reasoning).toBe(600 * 3_000_000);
  });

  it('bills audio tokens at the audio prices and a flat per-request fee', () => {
    const card = rateCardFromPrices({ input: 2.5, output: 10, inputAudio: 40, outputAudio: 80, requestUsd: 0.001 });
    const cost = computeCost(normalizedUsage({ inputTotal: 1500, inputAudio: 1000, outputTotal: 300, outputAudio: 200 }), card);
    expect(cost.inputAudio).toBe(1000 * 40_000_000);
    expect(cost.input).toBe(500 * 2_500_000);
    expect(cost.outputAudio).toBe(200 * 80_000_000);
    expect(cost.output).toBe(100 * 10_000_000);
    expect(cost.request).toBe(1_000_000_000);
  });

  it('reproduces $0.000568 for a cached 2,000-token prefix, 300 fresh tokens and 400 output tokens', () => {
    const card = rateCardFromPrices({ input: 0.44, cacheRead: 0.044, output: 0.87 });
    const cost = computeCost(normalizedUsage({ inputTotal: 2300, cacheRead: 2000, outputTotal: 400 }), card);
    expect(formatPicodollarsExact(cost.total)).toBe('0.000568');
  });

  it('gives the same total on the fast path as in the breakdown', () => {
    const usage = normalizedUsage({ inputTotal: 12_345, cacheRead: 4000, cacheWrite5m: 300, cacheWrite1h: 45, outputTotal: 999, reasoning: 333 });
    expect(computeCostTotal(usage, anthropicLike)).toBe(computeCost(usage, anthropicLike).total);
  });

  it('refuses a cost that could not be counted exactly', () => {
    expect(() => computeCost(normalizedUsage({ inputTotal: 1 / 3 }), anthropicLike)).toThrow(RangeError);
    expect(() => computeCost(normalizedUsage({ outputTotal: 1_000_000_000 }), anthropicLike)).toThrow(/2\^53/);
  });

  it('sums any number of calls to exactly the sum of their costs', () => {
    const card = rateCardFromPrices({ input: 0.15, output: 0.6, cacheRead: 0.075 });
    const total = new PicodollarTotal();
    let expected = 0n;
    for (let call = 0; call < 50_000; call += 1) {
      const cost = computeCostTotal(normalizedUsage({ inputTotal: 1000 + call, cacheRead: call % 1000, outputTotal: 17 + (call % 400) }), card);
      total.add(cost);
      expected += BigInt(cost);
    }
    expect(total.value()).toBe(expected);
  });
});
