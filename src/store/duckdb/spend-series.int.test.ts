import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpendSeriesRow } from '../report-reader.js';
import { createDuckdbReportReader } from './report-duckdb-reader.js';
import { createTestReportStore, type TestReportStore } from './report-test-store.js';

let store: TestReportStore;
const dayMs = 86_400_000;
const first = Date.parse('2026-03-01T00:00:00Z');

// Three days of chat on two models and search on one, every six hours, with cache reads and response-cache lookups.
beforeAll(async () => {
  store = await createTestReportStore();
  const calls = [];
  for (let hour = 0; hour < 72; hour += 6) {
    const ts = new Date(first + hour * 3_600_000).toISOString();
    calls.push({ ts, feature: 'chat', model: 'small', input: 1000, cacheRead: 600, output: 100, costUsd: 0.01, outputCostUsd: 0.004, cacheReadCostUsd: 0.001, responseCache: 'miss' as const });
    calls.push({ ts, feature: 'chat', model: 'large', input: 2000, output: 300, costUsd: 0.05, outputCostUsd: 0.03 });
    calls.push({ ts, feature: 'search', model: 'small', input: 500, output: 50, costUsd: 0.002, responseCache: 'hit' as const });
  }
  await store.addCalls(calls);
});
afterAll(() => store.dispose());

const byKey = (rows: SpendSeriesRow[]) => Object.fromEntries(rows.map((row) => [`${row.value}|${row.model}|${new Date(row.bucketStartMs).toISOString()}`, row]));

describe('spendSeries', () => {
  it('reads the same per-model daily sums from the summaries as from the raw events', async () => {
    const reader = createDuckdbReportReader(store.database.connection);
    const base = { per: 'feature' as const, grain: 'day' as const, byModel: true };
    const summaries = await reader.spendSeries({ ...base, ranges: [{ fromMs: first, toMs: first + 3 * dayMs }] });
    // Whole buckets asked as parts of their full length read the raw events.
    const raw = await reader.spendSeries({ ...base, buckets: { startsMs: [first, first + dayMs, first + 2 * dayMs], withinBucketMs: dayMs } });
    expect(summaries).toHaveLength(9);
    expect(byKey(raw)).toEqual(byKey(summaries));
    const chatSmall = byKey(summaries)[`chat|small|2026-03-01T00:00:00.000Z`]!;
    // Four calls: input counts every prompt token, so 400 uncached and 600 read from the cache per call.
    expect(chatSmall).toMatchObject({ calls: 4, tokens: { input: 1600, cacheRead: 2400, cacheWrite: 0, output: 400 }, responseCacheLookups: 4, responseCacheHits: 0 });
    expect(chatSmall.cost.input + chatSmall.cost.cacheRead + chatSmall.cost.output + chatSmall.cost.other).toBe(chatSmall.totalPicodollars);
    expect(chatSmall.totalPicodollars).toBe(40_000_000_000n);
  });

  it('cuts each bucket at the same offset, and filters by the scope', async () => {
    const reader = createDuckdbReportReader(store.database.connection);
    // The first 7 hours of each day hold its 00:00 and 06:00 calls.
    const rows = await reader.spendSeries({ per: 'feature', where: [{ dimension: 'feature', values: ['search'] }], grain: 'day', buckets: { startsMs: [first, first + dayMs], withinBucketMs: 7 * 3_600_000 }, byModel: false, totalOnly: true });
    expect(rows.map((row) => [row.value, new Date(row.bucketStartMs).toISOString().slice(0, 10), row.calls, row.totalPicodollars]).sort()).toEqual([
      ['search', '2026-03-01', 2, 4_000_000_000n],
      ['search', '2026-03-02', 2, 4_000_000_000n],
    ]);
  });

  it('sums hours from the raw events over several ranges', async () => {
    const reader = createDuckdbReportReader(store.database.connection);
    const rows = await reader.spendSeries({ per: null, grain: 'hour', ranges: [{ fromMs: first, toMs: first + 7 * 3_600_000 }, { fromMs: first + dayMs, toMs: first + dayMs + 3_600_000 }], byModel: false, totalOnly: true });
    expect(rows.map((row) => [new Date(row.bucketStartMs).toISOString(), row.calls]).sort()).toEqual([
      ['2026-03-01T00:00:00.000Z', 3],
      ['2026-03-01T06:00:00.000Z', 3],
      ['2026-03-02T00:00:00.000Z', 3],
    ]);
  });
});
