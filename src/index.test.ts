import { describe, expect, it } from 'vitest';
import { computeCost, convertUsage, createApp, formatPicodollarsExact } from './index.js';

describe('the library entry point', () => {
  it('prices a provider response the way the README shows', () => {
    const { catalog } = createApp({ directory: '/nonexistent' });
    const answer = catalog.priceAt('claude-opus-4-7', Date.parse('2026-11-01T12:00:00Z'));
    if (!answer.priced) throw new Error(answer.reason);
    const usage = convertUsage('anthropic', { input_tokens: 300, cache_read_input_tokens: 2000, output_tokens: 400 });
    const cost = computeCost(usage, answer.price.card);
    // 300 × $5/M + 2,000 × $0.50/M + 400 × $25/M
    expect(formatPicodollarsExact(cost.total)).toBe('0.0125');
  });
});
