import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import type { Reconciliation } from '../core/reconcile/reconcile-spend.js';
import type { RecordedProviderDay } from '../store/reconcile-reader.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { startFakeAdminApi, type FakeAdminApi } from '../testing/fake-admin-api.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

/*
 * October 2026, as a finance lead would meet it: unitcost recorded 20 calls a day of each model, the
 * providers billed 21 (one a day came from a script no one instrumented), and from October 15 both bill
 * 12% below list (a negotiated discount nobody put in the config). The reconciliation must find the
 * untracked spend to the cent and name the discount with its start day.
 */
const appOptions = { directory: '/nonexistent-config-dir', environment: {} };
const days = Array.from({ length: 31 }, (_, index) => `2026-10-${String(index + 1).padStart(2, '0')}`);
const discountFrom = '2026-10-15';

function events(): string {
  const lines: string[] = [];
  for (const day of days) {
    for (let call = 0; call < 20; call += 1) {
      const timestamp = `${day}T${String(8 + (call % 10)).padStart(2, '0')}:00:00Z`;
      lines.push(JSON.stringify({ id: `a-${day}-${call}`, timestamp, provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 10_000, cache_read_tokens: 6_000, cache_write_tokens: 1_000, output_tokens: 500, feature: 'support' }));
      lines.push(JSON.stringify({ id: `o-${day}-${call}`, timestamp, provider: 'openai', model: 'gpt-4.1', input_tokens: 4_000, cache_read_tokens: 2_000, output_tokens: 250, feature: 'search' }));
    }
  }
  return `${lines.join('\n')}\n`;
}

// What the provider billed for a recorded day's class: 21/20 of it, 12% off from the discount's day.
function billed(day: string, recordedPicodollars: bigint): bigint {
  const all = (recordedPicodollars * 21n) / 20n;
  return day >= discountFrom ? (all * 88n) / 100n : all;
}

describe('unitcost reconcile', () => {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-reconcile-'));
  const db = join(directory, 'store.duckdb');
  let anthropicDays: RecordedProviderDay[];
  let openaiDays: RecordedProviderDay[];
  let expectedUntracked: Record<'anthropic' | 'openai', bigint>;

  beforeAll(async () => {
    const file = join(directory, 'events.jsonl');
    writeFileSync(file, events());
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', file, '--db', db], io, appOptions)).toBe(0);
    const store = await DuckdbStore.open(db);
    try {
      const range = { fromMs: Date.parse('2026-10-01T00:00:00Z'), toMs: Date.parse('2026-11-01T00:00:00Z') };
      anthropicDays = await store.recordedByProviderDay({ provider: 'anthropic', range });
      openaiDays = await store.recordedByProviderDay({ provider: 'openai', range });
    } finally {
      await store.close();
    }
    const untracked = (rows: RecordedProviderDay[], classes: Array<keyof RecordedProviderDay>): bigint =>
      rows.reduce((sum, row) => sum + classes.reduce((inner, key) => inner + billed(row.day, row[key] as bigint) / 21n, 0n), 0n);
    expectedUntracked = {
      anthropic: untracked(anthropicDays, ['costInput', 'costCacheRead', 'costCacheWrite5m', 'costOutput']),
      openai: untracked(openaiDays, ['costInput', 'costCacheRead', 'costOutput']),
    };
  }, 60_000);

  describe('anthropic, from saved report files', () => {
    let usageFile: string;
    let costFile: string;

    beforeAll(() => {
      const usageBuckets = anthropicDays.map((day) => ({
        starting_at: `${day.day}T00:00:00Z`,
        ending_at: `${day.day}T23:59:59Z`,
        results: [
          {
            uncached_input_tokens: Number((day.inputTokens * 21n) / 20n),
            cache_read_input_tokens: Number((day.cacheReadTokens * 21n) / 20n),
            cache_creation: { ephemeral_5m_input_tokens: Number((day.cacheWrite5mTokens * 21n) / 20n), ephemeral_1h_input_tokens: 0 },
            output_tokens: Number((day.outputTokens * 21n) / 20n),
            server_tool_use: { web_search_requests: 0 },
            model: 'claude-sonnet-4-5-20250929',
            workspace_id: null,
            api_key_id: null,
            service_tier: 'standard',
            context_window: '0-200k',
          },
        ],
      }));
      const cents = (picodollars: bigint): string => formatPicodollarsExact(picodollars * 100n);
      const costBuckets = anthropicDays.map((day) => ({
        starting_at: `${day.day}T00:00:00Z`,
        ending_at: `${day.day}T23:59:59Z`,
        results: (
          [
            ['uncached_input_tokens', day.costInput],
            ['cache_read_input_tokens', day.costCacheRead],
            ['cache_creation.ephemeral_5m_input_tokens', day.costCacheWrite5m],
            ['output_tokens', day.costOutput],
          ] as const
        ).map(([tokenType, cost]) => ({ currency: 'USD', amount: cents(billed(day.day, cost)), workspace_id: null, description: `Claude Sonnet 4.5 ${tokenType}`, cost_type: 'tokens', context_window: '0-200k', model: 'claude-sonnet-4-5-20250929', service_tier: 'standard', token_type: tokenType })),
      }));
      usageFile = join(directory, 'anthropic-usage.json');
      costFile = join(directory, 'anthropic-cost.jsonl');
      // Usage as one saved page; costs as one page per line, as a paging script appends them.
      writeFileSync(usageFile, JSON.stringify({ data: usageBuckets, has_more: false, next_page: null }));
      writeFileSync(costFile, `${JSON.stringify({ data: costBuckets.slice(0, 16), has_more: true, next_page: 'p2' })}\n${JSON.stringify({ data: costBuckets.slice(16), has_more: false, next_page: null })}\n`);
    });

    it('finds the untracked spend to the cent, the coverage, and the missing discount with its start day', async () => {
      const io = captureIo();
      const code = await runCli(['node', 'unitcost', 'reconcile', 'anthropic', usageFile, costFile, '--month', '2026-10', '--db', db, '--json'], io, appOptions);
      const result = JSON.parse(io.out()) as Reconciliation;
      expect(result.totals.untracked_usd).toBe(formatPicodollarsExact(expectedUntracked.anthropic));
      expect(result.totals.coverage).toBeCloseTo(20 / 21, 5);
      expect(result.untracked_by_model.map((entry) => entry.model)).toEqual(['claude-sonnet-4-5']);
      expect(result.price_mismatches).toHaveLength(1);
      expect(result.price_mismatches[0]).toMatchObject({ model: null, from_day: discountFrom, suggestion: { discounts: [{ provider: 'anthropic', percent: 12, effective_from: discountFrom }] } });
      expect(result.price_mismatches[0]!.explains_share).toBeGreaterThan(0.99);
      expect(result.price_mismatches[0]!.summary).toMatch(/^anthropic discount 12% from 2026-10-15 explains (99|100)% of the gap$/);
      // 95.2% is above the default threshold of 95%.
      expect(code).toBe(0);
    });

    it('exits 1 when coverage is under --min-coverage, after printing the table', async () => {
      const io = captureIo();
      const code = await runCli(['node', 'unitcost', 'reconcile', 'anthropic', usageFile, costFile, '--month', '2026-10', '--db', db, '--min-coverage', '0.99'], io, appOptions);
      expect(code).toBe(1);
      expect(io.out()).toContain('unitcost saw 95.2% of anthropic');
      expect(io.out()).toContain('discounts: [{ provider: anthropic, percent: 12, effective_from: 2026-10-15 }]');
      expect(io.err()).toContain('coverage 95.2% is under --min-coverage 99.0%');
    });

    it('prints a CSV row per day, model and class', async () => {
      const io = captureIo();
      await runCli(['node', 'unitcost', 'reconcile', 'anthropic', usageFile, costFile, '--month', '2026-10', '--db', db, '--csv'], io, appOptions);
      const lines = io.out().trim().split('\n');
      expect(lines[0]).toBe('day,model,token_class,reported_quantity,recorded_quantity,billed_usd,recorded_usd,untracked_usd,price_gap_usd');
      expect(lines).toHaveLength(1 + 31 * 4);
      expect(lines[1]).toMatch(/^2026-10-01,claude-sonnet-4-5,cache_read,126000,120000,/);
    });

    it('refuses overlapping files and a report of another period, naming them', async () => {
      const overlap = captureIo();
      expect(await runCli(['node', 'unitcost', 'reconcile', 'anthropic', usageFile, usageFile, '--month', '2026-10', '--db', db], overlap, appOptions)).toBe(2);
      expect(overlap.err()).toContain('anthropic-usage.json and anthropic-usage.json are both usage reports covering 2026-10-01 to 2026-10-31 (31 days)');
      const period = captureIo();
      expect(await runCli(['node', 'unitcost', 'reconcile', 'anthropic', usageFile, '--month', '2026-08', '--db', db], period, appOptions)).toBe(2);
      expect(period.err()).toContain('anthropic-usage.json covers 2026-10-01 to 2026-10-31, none of 2026-08-01 to 2026-09-01: a report of another period?');
    });

    it('refuses a bill in another currency, naming the page, result and field', async () => {
      const euros = join(directory, 'euro-cost.json');
      writeFileSync(euros, JSON.stringify({ data: [{ starting_at: '2026-10-01T00:00:00Z', results: [{ currency: 'EUR', amount: '10', cost_type: 'tokens', model: 'claude-sonnet-4-5', token_type: 'output_tokens' }] }], has_more: false }));
      const io = captureIo();
      expect(await runCli(['node', 'unitcost', 'reconcile', 'anthropic', usageFile, euros, '--month', '2026-10', '--db', db], io, appOptions)).toBe(2);
      expect(io.err()).toContain('euro-cost.json page 1 data[0].results[0]: currency is "EUR": unitcost reconciles bills in USD only');
    });
  });

  describe('openai, pulled live from the admin API', () => {
    let api: FakeAdminApi;

    beforeAll(async () => {
      const usageBuckets = openaiDays.map((day) => ({
        object: 'bucket',
        start_time: Date.parse(`${day.day}T00:00:00Z`) / 1000,
        end_time: Date.parse(`${day.day}T00:00:00Z`) / 1000 + 86_400,
        results: [
          {
            object: 'organization.usage.completions.result',
            input_tokens: Number(((day.inputTokens + day.cacheReadTokens) * 21n) / 20n),
            input_cached_tokens: Number((day.cacheReadTokens * 21n) / 20n),
            output_tokens: Number((day.outputTokens * 21n) / 20n),
            input_audio_tokens: 0,
            output_audio_tokens: 0,
            num_model_requests: 21,
            project_id: null,
            user_id: null,
            api_key_id: null,
            model: 'gpt-4.1-2025-04-14',
            batch: null,
          },
        ],
      }));
      const costBuckets = openaiDays.map((day) => ({
        object: 'bucket',
        start_time: Date.parse(`${day.day}T00:00:00Z`) / 1000,
        end_time: Date.parse(`${day.day}T00:00:00Z`) / 1000 + 86_400,
        results: (
          [
            ['input', day.costInput],
            ['cached input', day.costCacheRead],
            ['output', day.costOutput],
          ] as const
        ).map(([what, cost]) => ({ object: 'organization.costs.result', amount: { value: Number(formatPicodollarsExact(billed(day.day, cost))), currency: 'usd' }, line_item: `gpt-4.1-2025-04-14, ${what}`, project_id: null })),
      }));
      api = await startFakeAdminApi({
        adminKey: 'sk-admin-test',
        buckets: { '/v1/organization/usage/completions': usageBuckets, '/v1/organization/usage/embeddings': [], '/v1/organization/costs': costBuckets },
      });
      process.env.UNITCOST_TEST_OPENAI_ADMIN_KEY = 'sk-admin-test';
    });

    afterAll(async () => {
      delete process.env.UNITCOST_TEST_OPENAI_ADMIN_KEY;
      await api.close();
    });

    it('pages through usage and costs, waits out a 429, and finds the same untracked spend and discount', async () => {
      const before = await storeFingerprint(db);
      const io = captureIo();
      const code = await runCli(
        ['node', 'unitcost', 'reconcile', 'openai', '--month', '2026-10', '--live', '--admin-key-env', 'UNITCOST_TEST_OPENAI_ADMIN_KEY', '--admin-base-url', api.url, '--db', db, '--json'],
        io,
        appOptions,
      );
      expect(io.err()).toBe('');
      const result = JSON.parse(io.out()) as Reconciliation;
      expect(result.totals.untracked_usd).toBe(formatPicodollarsExact(expectedUntracked.openai));
      expect(result.price_mismatches[0]).toMatchObject({ from_day: discountFrom, suggestion: { discounts: [{ provider: 'openai', percent: 12 }] } });
      expect(code).toBe(0);
      // 31 daily buckets at 7 a page: 5 pages of usage and 5 of costs, each endpoint first answered 429.
      const completions = api.requests.filter((request) => request.includes('/usage/completions'));
      expect(completions).toHaveLength(1 + 5);
      expect(completions[0]).toContain('group_by=model');
      expect(completions.at(-1)).toContain('page=page_28');
      // The store was only read.
      expect(await storeFingerprint(db)).toEqual(before);
    });

    it('says the admin key was refused, without printing it', async () => {
      process.env.UNITCOST_TEST_WRONG_KEY = 'sk-wrong-key-123';
      try {
        const io = captureIo();
        const code = await runCli(['node', 'unitcost', 'reconcile', 'openai', '--month', '2026-10', '--live', '--admin-key-env', 'UNITCOST_TEST_WRONG_KEY', '--admin-base-url', api.url, '--db', db], io, appOptions);
        expect(code).toBe(2);
        expect(io.err()).toContain("openai's admin API refused the key (401)");
        expect(io.err()).not.toContain('sk-wrong-key-123');
      } finally {
        delete process.env.UNITCOST_TEST_WRONG_KEY;
      }
    });
  });
});

async function storeFingerprint(db: string): Promise<unknown> {
  const store = await DuckdbStore.open(db);
  try {
    const counts = await store.counts();
    return { ...counts, costTotalPicodollars: counts.costTotalPicodollars.toString() };
  } finally {
    await store.close();
  }
}
