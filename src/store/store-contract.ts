import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateAssignment } from './event-writer.js';
import type { Store } from './store.js';
import type { StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from './stored-rows.js';

/*
 * The behaviour every storage backend owes unitcost, as one suite (like Hono's common router cases): a
 * backend's own test file calls describeStoreContract with a function that opens a fresh, empty store.
 */

const day = Date.parse('2026-03-01T12:00:00Z');

/** A priced usage row with every field set, for tests; overrides replace fields. */
export function usageRow(overrides: Partial<StoredUsageRow> = {}): StoredUsageRow {
  return {
    id: 'call-1',
    contentHash: 'hash-1',
    timestampMs: day,
    provider: 'openai',
    model: 'gpt-4o-mini',
    pricedProvider: 'openai',
    pricedModel: 'gpt-4o-mini',
    priceId: 'openai/gpt-4o-mini@0',
    unpricedReason: null,
    inputTokens: 1000,
    cacheReadTokens: 200,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 100,
    reasoningTokens: 0,
    inputAudioTokens: 0,
    outputAudioTokens: 0,
    webSearchRequests: 0,
    costInput: 120_000_000,
    costCacheRead: 15_000_000,
    costCacheWrite5m: 0,
    costCacheWrite1h: 0,
    costOutput: 60_000_000,
    costReasoning: 0,
    costAudio: 0,
    costRequest: 0,
    costWebSearch: 0,
    costTotal: 195_000_000,
    feature: 'support-bot',
    team: 'support',
    userTier: 'pro',
    userId: 'user-1',
    sessionId: 'session-1',
    taskId: 'task-1',
    step: 1,
    environment: 'production',
    attributes: '{"region":"eu"}',
    status: 'ok',
    retryOf: null,
    latencyMs: 812.5,
    timeToFirstTokenMs: 120,
    responseCache: 'miss',
    reportedCostUsd: 0.000195,
    source: 'events.jsonl:1',
    ...overrides,
  };
}

/** An unpriced usage row: an unknown model, costs null, and the reason. */
export function unpricedUsageRow(overrides: Partial<StoredUsageRow> = {}): StoredUsageRow {
  return usageRow({
    model: 'in-house-llm',
    provider: null,
    pricedProvider: null,
    pricedModel: null,
    priceId: null,
    unpricedReason: 'no model matches "in-house-llm"',
    costInput: null,
    costCacheRead: null,
    costCacheWrite5m: null,
    costCacheWrite1h: null,
    costOutput: null,
    costReasoning: null,
    costAudio: null,
    costRequest: null,
    costWebSearch: null,
    costTotal: null,
    ...overrides,
  });
}

function outcomeRow(overrides: Partial<StoredOutcomeRow> = {}): StoredOutcomeRow {
  return { taskId: 'task-1', outcome: 'success', timestampMs: day, feature: 'support-bot', contentHash: 'outcome-hash-1', source: 'events.jsonl:2', ...overrides };
}

function revenueRow(overrides: Partial<StoredRevenueRow> = {}): StoredRevenueRow {
  return { id: 'revenue-1', userId: 'user-1', amountPicodollars: 20_000_000_000_000n, timestampMs: day, feature: null, userTier: 'pro', contentHash: 'revenue-hash-1', source: 'events.jsonl:3', ...overrides };
}

function priceRow(overrides: Partial<StoredPriceRow> = {}): StoredPriceRow {
  return {
    priceId: 'custom/in-house-llm@0',
    provider: 'custom',
    model: 'in-house-llm',
    sources: 'config',
    inputRate: 1_000_000,
    cacheReadRate: 100_000,
    cacheWrite5mRate: 1_000_000,
    cacheWrite1hRate: 1_000_000,
    outputRate: 4_000_000,
    reasoningRate: 4_000_000,
    inputAudioRate: 1_000_000,
    outputAudioRate: 4_000_000,
    requestFee: 0,
    tiers: '[]',
    ...overrides,
  };
}

/** Runs the store contract against a backend; openStore must return a new, empty store each time. */
export function describeStoreContract(name: string, openStore: () => Promise<Store>): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('counts the calls it appended and sums their cost', async () => {
      const outcome = await store.appendUsage([usageRow(), usageRow({ id: 'call-2', contentHash: 'hash-2', costTotal: 5 })]);
      expect(outcome).toEqual({ inserted: 2, duplicates: 0, conflicts: [] });
      const counts = await store.counts();
      expect(counts.usageEvents).toBe(2);
      expect(counts.costTotalPicodollars).toBe(195_000_005n);
    });

    it('treats the same id with the same content as a duplicate and changes nothing', async () => {
      await store.appendUsage([usageRow(), usageRow({ id: 'call-2', contentHash: 'hash-2' })]);
      const again = await store.appendUsage([usageRow(), usageRow({ id: 'call-2', contentHash: 'hash-2' }), usageRow({ id: 'call-3', contentHash: 'hash-3' })]);
      expect(again).toEqual({ inserted: 1, duplicates: 2, conflicts: [] });
      expect((await store.counts()).usageEvents).toBe(3);
    });

    it('refuses the same id with different content, reports it, and keeps the stored call', async () => {
      await store.appendUsage([usageRow()]);
      const conflicting = await store.appendUsage([usageRow({ id: 'call-9', contentHash: 'hash-9' }), usageRow({ contentHash: 'other', costTotal: 999, timestampMs: day + 3_600_000 })]);
      expect(conflicting.inserted).toBe(1);
      expect(conflicting.conflicts).toEqual([{ index: 1, id: 'call-1', reason: expect.stringContaining('already stored with different content'), source: 'events.jsonl:1' }]);
      const counts = await store.counts();
      expect(counts.usageEvents).toBe(2);
      expect(counts.costTotalPicodollars).toBe(2n * 195_000_000n);
    });

    it('refuses an id reused far from the timestamp it is stored with, for calls, outcomes and revenue', async () => {
      const monthLater = day + 30 * 86_400_000;
      await store.appendBatch({ usage: [usageRow()], outcomes: [outcomeRow()], revenue: [revenueRow()] });
      const reused = await store.appendBatch({
        usage: [usageRow({ contentHash: 'other', timestampMs: monthLater, source: 'later.jsonl:7' })],
        outcomes: [outcomeRow({ outcome: 'failure', contentHash: 'changed', timestampMs: monthLater })],
        revenue: [revenueRow({ contentHash: 'changed', timestampMs: monthLater })],
      });
      expect(reused.usage).toEqual({ inserted: 0, duplicates: 0, conflicts: [{ index: 0, id: 'call-1', reason: expect.stringContaining('already stored with different content'), source: 'later.jsonl:7' }] });
      expect(reused.outcomes.conflicts).toHaveLength(1);
      expect(reused.outcomes.inserted).toBe(0);
      expect(reused.revenue.conflicts).toHaveLength(1);
      expect(reused.revenue.inserted).toBe(0);
      expect(await store.counts()).toMatchObject({ usageEvents: 1, outcomes: 1, revenue: 1, costTotalPicodollars: 195_000_000n });
      // A re-send of the stored records is still a duplicate, not a conflict.
      const again = await store.appendBatch({ usage: [usageRow()], outcomes: [outcomeRow()], revenue: [revenueRow()] });
      expect([again.usage, again.outcomes, again.revenue]).toEqual([0, 1, 2].map(() => ({ inserted: 0, duplicates: 1, conflicts: [] })));
    });

    it('reports duplicates and conflicts within one batch', async () => {
      const outcome = await store.appendUsage([usageRow(), usageRow(), usageRow({ contentHash: 'other' })]);
      expect(outcome.inserted).toBe(1);
      expect(outcome.duplicates).toBe(1);
      expect(outcome.conflicts.map((conflict) => conflict.index)).toEqual([2]);
    });

    it('lists the positions of the duplicates, within the batch and already stored, when asked', async () => {
      await store.appendBatch({ usage: [usageRow(), usageRow({ id: 'call-2', contentHash: 'hash-2' })], revenue: [revenueRow()] });
      const usage = [usageRow({ id: 'call-3', contentHash: 'hash-3' }), usageRow({ id: 'call-2', contentHash: 'hash-2' }), usageRow({ id: 'call-3', contentHash: 'hash-3' }), usageRow()];
      const outcome = await store.appendBatch({ usage, outcomes: [outcomeRow()], revenue: [revenueRow()] }, { listDuplicates: true });
      expect(outcome.usage).toEqual({ inserted: 1, duplicates: 3, conflicts: [], duplicateIndexes: [1, 2, 3] });
      expect(outcome.outcomes).toEqual({ inserted: 1, duplicates: 0, conflicts: [], duplicateIndexes: [] });
      expect(outcome.revenue).toEqual({ inserted: 0, duplicates: 1, conflicts: [], duplicateIndexes: [0] });
      // Not asked, the outcome has counts only.
      expect((await store.appendBatch({ usage: [usageRow()] })).usage).toEqual({ inserted: 0, duplicates: 1, conflicts: [] });
    });

    it('sums picodollars exactly past the range of a 64-bit integer', async () => {
      const big = 9_007_199_254_740_000;
      const rows = Array.from({ length: 1500 }, (_, index) => usageRow({ id: `big-${index}`, contentHash: `big-${index}`, costTotal: big, timestampMs: day + index }));
      await store.appendUsage(rows);
      expect((await store.counts()).costTotalPicodollars).toBe(1500n * 9_007_199_254_740_000n);
    });

    it('keeps unpriced calls with their reason and leaves them out of the cost', async () => {
      await store.appendUsage([usageRow(), unpricedUsageRow({ id: 'call-2', contentHash: 'hash-2' })]);
      const counts = await store.counts();
      expect(counts).toMatchObject({ usageEvents: 2, unpricedEvents: 1, costTotalPicodollars: 195_000_000n });
    });

    it('stores a batch wholly or not at all', async () => {
      const broken = usageRow({ id: 'call-2', contentHash: 'hash-2', status: null as unknown as 'ok' });
      await expect(store.appendBatch({ usage: [usageRow(), broken], outcomes: [outcomeRow()] })).rejects.toThrow();
      expect(await store.counts()).toMatchObject({ usageEvents: 0, outcomes: 0 });
      await store.appendBatch({ usage: [usageRow()], outcomes: [outcomeRow()] });
      expect(await store.counts()).toMatchObject({ usageEvents: 1, outcomes: 1 });
    });

    it('fills a batch in parts, shows none of it before commit, and numbers conflicts across the parts', async () => {
      const batch = await store.openBatch();
      await batch.add({ usage: [usageRow(), usageRow({ id: 'call-2', contentHash: 'hash-2' })] });
      await batch.add({ usage: [usageRow({ id: 'call-3', contentHash: 'hash-3' }), usageRow({ id: 'call-2', contentHash: 'changed', source: 'events.jsonl:9' })], outcomes: [outcomeRow()] });
      expect(batch.added).toEqual({ usage: 4, outcomes: 1, revenue: 0 });
      expect((await store.counts()).usageEvents).toBe(0);
      const outcome = await batch.commit();
      expect(outcome.usage).toEqual({ inserted: 3, duplicates: 0, conflicts: [{ index: 3, id: 'call-2', reason: expect.stringContaining('same batch'), source: 'events.jsonl:9' }] });
      expect(await store.counts()).toMatchObject({ usageEvents: 3, outcomes: 1 });
    });

    it('fills the next batch while the previous one commits', async () => {
      const first = await store.openBatch();
      await first.add({ usage: Array.from({ length: 300 }, (_, index) => usageRow({ id: `a-${index}`, contentHash: `a-${index}`, timestampMs: day + index })) });
      const committing = first.commit();
      const second = await store.openBatch();
      await second.add({ usage: [usageRow({ id: 'a-0', contentHash: 'a-0', timestampMs: day }), usageRow({ id: 'b', contentHash: 'b' })] });
      expect((await committing).usage.inserted).toBe(300);
      expect((await second.commit()).usage).toEqual({ inserted: 1, duplicates: 1, conflicts: [] });
      expect((await store.counts()).usageEvents).toBe(301);
    });

    it('drops an abandoned batch', async () => {
      const batch = await store.openBatch();
      await batch.add({ usage: [usageRow()] });
      await batch.abandon();
      await store.appendUsage([usageRow({ id: 'call-2', contentHash: 'hash-2' })]);
      expect((await store.counts()).usageEvents).toBe(1);
    });

    it('stores one outcome per task and refuses a second, different one', async () => {
      expect(await store.appendOutcomes([outcomeRow(), outcomeRow({ taskId: 'task-2', contentHash: 'o2' })])).toEqual({ inserted: 2, duplicates: 0, conflicts: [] });
      const again = await store.appendOutcomes([outcomeRow(), outcomeRow({ outcome: 'failure', contentHash: 'changed' })]);
      expect(again.duplicates).toBe(1);
      expect(again.conflicts).toHaveLength(1);
      expect((await store.counts()).outcomes).toBe(2);
    });

    it('stores revenue exactly and idempotently', async () => {
      await store.appendRevenue([revenueRow(), revenueRow({ id: 'revenue-2', contentHash: 'r2', amountPicodollars: 123_456_789_012_345_678_901n })]);
      const again = await store.appendRevenue([revenueRow()]);
      expect(again).toEqual({ inserted: 0, duplicates: 1, conflicts: [] });
      expect((await store.counts()).revenue).toBe(2);
    });

    it('replaces a price row with the same id', async () => {
      await store.upsertPrices([priceRow()]);
      await store.upsertPrices([priceRow({ inputRate: 2_000_000 }), priceRow({ priceId: 'other' })]);
      expect((await store.counts()).prices).toBe(2);
    });

    it('reprices calls from their token counts, pricing the unpriced ones it now has rates for', async () => {
      await store.appendUsage([
        unpricedUsageRow({ id: 'a', contentHash: 'a', inputTokens: 1000, cacheReadTokens: 200, outputTokens: 100, reasoningTokens: 40 }),
        unpricedUsageRow({ id: 'b', contentHash: 'b', inputTokens: 300_000, cacheReadTokens: 0, outputTokens: 10, reasoningTokens: 0 }),
        unpricedUsageRow({ id: 'c', contentHash: 'c', timestampMs: day + 86_400_000 * 40 }),
      ]);
      const groups = await store.pricingGroups({ toMs: day + 86_400_000 });
      expect(groups).toEqual([{ provider: null, model: 'in-house-llm', calls: 2, firstMs: day, lastMs: day }]);
      const rates = { input: 1_000_000, cacheRead: 100_000, cacheWrite5m: 1_000_000, cacheWrite1h: 1_000_000, output: 4_000_000, reasoning: 8_000_000, inputAudio: 1_000_000, outputAudio: 4_000_000, request: 7 };
      const band = { provider: null, model: 'in-house-llm', fromMs: day, toMs: day + 1, daySecondFrom: 0, daySecondTo: 86_400, unpricedReason: null };
      const assignments: RateAssignment[] = [
        { ...band, inputAbove: -1, inputAtMost: 200_000, price: { priceId: 'custom/in-house-llm@0', pricedProvider: 'custom', pricedModel: 'in-house-llm', rates } },
        { ...band, inputAbove: 200_000, inputAtMost: Number.MAX_SAFE_INTEGER, price: { priceId: 'custom/in-house-llm@0', pricedProvider: 'custom', pricedModel: 'in-house-llm', rates: { ...rates, input: 2_000_000 } } },
      ];
      const moved = await store.applyRates({ toMs: day + 86_400_000 }, assignments, [priceRow()]);
      // a: 800 × 1e6 + 200 × 1e5 + 60 × 4e6 + 40 × 8e6 + 7; b (long context): 300,000 × 2e6 + 10 × 4e6 + 7.
      const costA = 800n * 1_000_000n + 200n * 100_000n + 60n * 4_000_000n + 40n * 8_000_000n + 7n;
      const costB = 300_000n * 2_000_000n + 10n * 4_000_000n + 7n;
      expect(moved).toEqual([
        { provider: null, model: 'in-house-llm', calls: 2, repriced: 2, newlyPriced: 2, newlyUnpriced: 0, unpricedAfter: 0, oldTotalPicodollars: 0n, newTotalPicodollars: costA + costB },
      ]);
      expect(await store.counts()).toMatchObject({ usageEvents: 3, unpricedEvents: 1, prices: 1, costTotalPicodollars: costA + costB });
    });

    it('reads back every record as it was appended, a month and a page at a time, with each month\'s totals', async () => {
      const march = [usageRow(), usageRow({ id: 'call-2', contentHash: 'hash-2', timestampMs: day + 1, latencyMs: null, responseCache: null }), unpricedUsageRow({ id: 'call-3', contentHash: 'hash-3', timestampMs: day + 1 })];
      const april = [usageRow({ id: 'call-4', contentHash: 'hash-4', timestampMs: Date.parse('2026-04-02T00:00:00.250Z'), attributes: null, feature: 'it\'s "quoted" \\ and\ttabbed' })];
      const outcomes = [outcomeRow()];
      const revenue = [revenueRow({ amountPicodollars: 123_456_789_012_345_678_901n })];
      await store.appendBatch({ usage: [...april, ...march], outcomes, revenue, prices: [priceRow()] });
      expect(await store.monthTotals()).toEqual([
        { month: '2026-03', usage: 3, usageCostPicodollars: 2n * 195_000_000n, outcomes: 1, revenue: 1, revenuePicodollars: 123_456_789_012_345_678_901n },
        { month: '2026-04', usage: 1, usageCostPicodollars: 195_000_000n, outcomes: 0, revenue: 0, revenuePicodollars: 0n },
      ]);
      const first = await store.scanRecords('usage', '2026-03', null, 2);
      expect(first.rows).toEqual(march.slice(0, 2));
      const rest = await store.scanRecords('usage', '2026-03', first.last, 2);
      expect(rest.rows).toEqual(march.slice(2));
      expect((await store.scanRecords('usage', '2026-03', rest.last, 2)).rows).toEqual([]);
      expect((await store.scanRecords('usage', '2026-04', null, 10)).rows).toEqual(april);
      expect((await store.scanRecords('outcomes', '2026-03', null, 10)).rows).toEqual(outcomes);
      expect((await store.scanRecords('revenue', '2026-03', null, 10)).rows).toEqual(revenue);
      expect(await store.storedPrices()).toEqual([priceRow()]);
    });
  });
}
