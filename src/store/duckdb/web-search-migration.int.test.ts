import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { unpricedUsageRow, usageRow } from '../store-contract.js';
import { openDuckdbDatabase } from './duckdb-database.js';
import { DuckdbStore } from './duckdb-store.js';
import { schemaMigrations } from './schema-migrations.js';

// A store file as unitcost wrote it before migration 6: the schema up to version 5, with a priced and an unpriced call.
async function storeBeforeWebSearches(path: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)');
  for (const migration of schemaMigrations.filter((candidate) => candidate.version <= 5)) {
    for (const statement of migration.statements) await connection.run(statement);
    await connection.run(`INSERT INTO schema_migrations VALUES (${migration.version}, 'before web searches', now())`);
  }
  await connection.run(`INSERT INTO usage_events (id, content_hash, ts, model, input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
      output_tokens, reasoning_tokens, input_audio_tokens, output_audio_tokens, cost_input, cost_total, status)
    VALUES ('old-priced', 'h1', TIMESTAMP '2026-02-01 12:00:00', 'gpt-4o-mini', 1000, 0, 0, 0, 100, 0, 0, 0, 150000000, 210000000, 'ok'),
           ('old-unpriced', 'h2', TIMESTAMP '2026-02-01 12:00:01', 'in-house-llm', 1000, 0, 0, 0, 100, 0, 0, 0, NULL, NULL, 'ok')`);
  connection.closeSync();
  instance.closeSync();
}

describe('migration 6: web searches', () => {
  it('gives the calls of a store written before it 0 searches, a search cost of 0 when priced, and leaves their totals', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitcost-migrate-6-')), 'store.duckdb');
    await storeBeforeWebSearches(path);
    const database = await openDuckdbDatabase(path);
    try {
      const versions = await database.connection.runAndReadAll('SELECT max(version) AS version FROM schema_migrations');
      expect(Number(versions.getRowObjects()[0]!.version)).toBe(6);
      const rows = await database.connection.runAndReadAll('SELECT id, web_search_requests, cost_web_search, cost_total FROM usage_events ORDER BY id');
      expect(rows.getRowObjects()).toEqual([
        { id: 'old-priced', web_search_requests: 0, cost_web_search: 0n, cost_total: 210000000n },
        { id: 'old-unpriced', web_search_requests: 0, cost_web_search: null, cost_total: null },
      ]);
    } finally {
      database.close();
    }
  });

  it('stores the searches and their cost of calls appended after it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitcost-migrate-6-')), 'store.duckdb');
    await storeBeforeWebSearches(path);
    const store = await DuckdbStore.open(path, { threads: 1 });
    try {
      await store.appendUsage([
        usageRow({ id: 'searched', webSearchRequests: 3, costWebSearch: 30_000_000_000, costTotal: 195_000_000 + 30_000_000_000 }),
        unpricedUsageRow({ id: 'searched-unpriced', webSearchRequests: 2 }),
      ]);
      expect((await store.counts()).costTotalPicodollars).toBe(210_000_000n + 195_000_000n + 30_000_000_000n);
    } finally {
      await store.close();
    }
    const database = await openDuckdbDatabase(path);
    try {
      const rows = await database.connection.runAndReadAll("SELECT id, web_search_requests, cost_web_search FROM usage_events WHERE id LIKE 'searched%' ORDER BY id");
      expect(rows.getRowObjects()).toEqual([
        { id: 'searched', web_search_requests: 3, cost_web_search: 30_000_000_000n },
        { id: 'searched-unpriced', web_search_requests: 2, cost_web_search: null },
      ]);
    } finally {
      database.close();
    }
  });
});
