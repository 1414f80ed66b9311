import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { createApp } from './create-app.js';
import { ingestFiles } from './ingest-service.js';
import { reconcileWithProvider } from './reconcile/reconcile-service.js';
import { runReport } from './report-service.js';
import { repriceCalls } from './reprice-service.js';

const now = new Date('2026-03-10T00:00:00Z');
const directory = mkdtempSync(join(tmpdir(), 'unitcost-web-search-'));
const app = createApp({ directory, environment: {}, now: () => now });

// Two Claude calls of one day: one sent as Anthropic's raw usage (3 searches in server_tool_use), one as
// counts with web_search_requests, as the gateway writes them. Without searches, the same calls otherwise.
function events(withSearches: boolean): string {
  const raw = {
    id: 'msg_01search',
    timestamp: '2026-03-01T09:00:00Z',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    usage_format: 'anthropic',
    usage: { input_tokens: 6039, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 931, ...(withSearches ? { server_tool_use: { web_search_requests: 3 } } : {}) },
    feature: 'research-agent',
  };
  const counted = { id: 'msg_02search', timestamp: '2026-03-01T10:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 2000, output_tokens: 400, ...(withSearches ? { web_search_requests: 1 } : {}), feature: 'research-agent' };
  return `${JSON.stringify(raw)}\n${JSON.stringify(counted)}\n`;
}

async function ingestInto(name: string, withSearches: boolean): Promise<string> {
  const path = join(directory, `${name}.jsonl`);
  writeFileSync(path, events(withSearches));
  const db = join(directory, `${name}.duckdb`);
  const store = await DuckdbStore.open(db, { threads: 1 });
  try {
    const result = await ingestFiles(app, store, [path]);
    expect(result.totals).toMatchObject({ acceptedCalls: 2, rejected: 0, unpriced: 0 });
  } finally {
    await store.close();
  }
  return db;
}

const totalOf = async (db: string): Promise<string> => (await runReport(app, { db })).totals.measures.cost_usd_exact!;

describe('web searches from ingest to report, reprice and reconcile', () => {
  it('bills 4 searches at $10 per 1,000 inside the report total, and keeps them through a reprice', async () => {
    const lookup = app.catalog.findModel('claude-sonnet-4-5', { provider: 'anthropic' });
    const price = lookup.found ? lookup.timeline.at(Date.parse('2026-03-01T09:00:00Z')) : null;
    expect(price?.priced && price.price.card.base.webSearch).toBe(10_000_000_000);

    const searched = await ingestInto('searched', true);
    const plain = await ingestInto('plain', false);
    const searchedTotal = await totalOf(searched);
    // The same tokens cost the same: the 4 searches are exactly the 4 cents between the two totals.
    expect(Number(searchedTotal) - Number(await totalOf(plain))).toBeCloseTo(0.04, 12);

    // Reprice recomputes every part in SQL: an unchanged catalog moves nothing (its search cost agrees with
    // ingest's), and a 50% discount halves the whole total, searches included.
    const store = await DuckdbStore.open(searched, { threads: 1 });
    try {
      expect((await repriceCalls(app, store)).totals).toMatchObject({ calls: 2, repriced: 0 });
      const configDirectory = mkdtempSync(join(tmpdir(), 'unitcost-web-search-config-'));
      writeFileSync(join(configDirectory, 'unitcost.config.json'), JSON.stringify({ discounts: [{ provider: 'anthropic', percent: 50 }] }));
      const discounted = createApp({ directory: configDirectory, environment: {}, now: () => now });
      const moved = await repriceCalls(discounted, store);
      expect(moved.totals.newTotalPicodollars * 2n).toBe(moved.totals.oldTotalPicodollars);
    } finally {
      await store.close();
    }
    expect(Number(await totalOf(searched)) * 2).toBeCloseTo(Number(searchedTotal), 12);
  });

  it('reconciles the recorded searches with the searches and cost lines of Anthropic\'s reports', async () => {
    const db = await ingestInto('reconciled', true);
    const usagePath = join(directory, 'anthropic-usage.json');
    writeFileSync(usagePath, JSON.stringify({
      data: [{ starting_at: '2026-03-01T00:00:00Z', ending_at: '2026-03-02T00:00:00Z', results: [{ uncached_input_tokens: 8039, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 }, output_tokens: 1331, server_tool_use: { web_search_requests: 4 }, model: 'claude-sonnet-4-5-20250929', workspace_id: null, api_key_id: null }] }],
      has_more: false,
      next_page: null,
    }));
    const costPath = join(directory, 'anthropic-cost.json');
    // Amounts in cents, as decimal strings: 4 searches are 4 cents.
    writeFileSync(costPath, JSON.stringify({
      data: [{ starting_at: '2026-03-01T00:00:00Z', ending_at: '2026-03-02T00:00:00Z', results: [{ currency: 'USD', amount: '4', model: 'claude-sonnet-4-5-20250929', cost_type: 'web_search', token_type: null, description: 'Web search', workspace_id: null }] }],
      has_more: false,
      next_page: null,
    }));
    const result = await reconcileWithProvider(app, { provider: 'anthropic', from: '2026-03-01', to: '2026-03-02', files: [usagePath, costPath], db });
    const searches = result.rows.find((row) => row.token_class === 'web_search');
    expect(searches).toMatchObject({ reported_quantity: '4', recorded_quantity: '4', billed_usd: '0.04', recorded_usd: '0.04', untracked_usd: '0', price_gap_usd: '0' });
  });
});
