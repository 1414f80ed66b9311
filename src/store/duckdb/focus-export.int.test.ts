import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rates } from '../../core/catalog/rate-card.js';
import { decimalToPicodollars, parseExactDecimal } from '../../core/governance/focus/focus-decimal.js';
import { validateFocusRows } from '../../core/governance/focus/validate-focus-rows.js';
import { openDuckdbDatabase, type DuckdbDatabase } from './duckdb-database.js';
import { exportFocus } from './focus-export.js';

/*
 * The store's half of the FOCUS export on hand-written rows: web searches (a class only stores with the
 * search columns have), and audio calls whose price the rates do not know. The CLI test covers the rest
 * with calls priced by the catalog.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-focus-store-'));
let database: DuckdbDatabase;

const rates = (values: Partial<Rates>): Rates => ({ input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0, inputAudio: 0, outputAudio: 0, request: 0, webSearch: 0, ...values });
// $3/M input, $15/M output and $10 per 1,000 searches at list; 20% off all three.
const list = rates({ input: 3_000_000, output: 15_000_000, webSearch: 10_000_000_000 });
const contracted = rates({ input: 2_400_000, output: 12_000_000, webSearch: 8_000_000_000 });

beforeAll(async () => {
  database = await openDuckdbDatabase(join(directory, 'store.duckdb'));
  const connection = database.connection;
  // The search columns as the schema names them once searches are priced; a no-op where they already exist.
  await connection.run('ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS web_search_requests BIGINT DEFAULT 0');
  await connection.run('ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS cost_web_search BIGINT');
  await connection.run(`INSERT INTO prices (price_id, provider, model, sources, input_rate, cache_read_rate, cache_write_5m_rate, cache_write_1h_rate, output_rate, reasoning_rate,
      input_audio_rate, output_audio_rate, request_fee, tiers) VALUES ('p:search', 'anthropic', 'claude-test', 'test', 2400000, 0, 0, 0, 12000000, 0, 0, 0, 0, '[]'),
      ('p:voice', 'openai', 'voice-test', 'test', 0, 0, 0, 0, 0, 0, 32000000, 64000000, 0, '[]')`);
  const insert = (id: string, ts: string, priceId: string, model: string, tokens: [number, number, number, number], searches: number, costs: [number, number, number, number]) =>
    connection.run(`INSERT INTO usage_events (id, content_hash, ts, provider, model, priced_provider, priced_model, price_id, input_tokens, cache_read_tokens, cache_write_5m_tokens,
        cache_write_1h_tokens, output_tokens, reasoning_tokens, input_audio_tokens, output_audio_tokens, cost_input, cost_cache_read, cost_cache_write_5m, cost_cache_write_1h,
        cost_output, cost_reasoning, cost_audio, cost_request, cost_total, feature, status, web_search_requests, cost_web_search)
      VALUES ('${id}', 'h', TIMESTAMP '${ts}', NULL, '${model}', (SELECT provider FROM prices WHERE price_id = '${priceId}'), '${model}', '${priceId}',
        ${tokens[0]}, 0, 0, 0, ${tokens[1]}, 0, ${tokens[2]}, ${tokens[3]}, ${costs[0]}, 0, 0, 0, ${costs[1]}, 0, ${costs[2]}, 0, ${costs[0] + costs[1] + costs[2] + costs[3]},
        'research', 'ok', ${searches}, ${costs[3]})`);
  // Two calls with 3 and 1 searches at $0.008 each after the discount.
  await insert('s1', '2026-11-03 10:00:00', 'p:search', 'claude-test', [1000, 100, 0, 0], 3, [2_400_000_000, 1_200_000_000, 0, 24_000_000_000]);
  await insert('s2', '2026-11-03 11:00:00', 'p:search', 'claude-test', [2000, 200, 0, 0], 1, [4_800_000_000, 2_400_000_000, 0, 8_000_000_000]);
  // A voice call whose price the rates do not know: written at its stored cost, audio and all.
  await insert('v1', '2026-11-03 12:00:00', 'p:voice', 'voice-test', [500, 400, 500, 400], 0, [0, 0, 41_600_000_000, 0]);
});
afterAll(() => {
  database.close();
  rmSync(directory, { recursive: true, force: true });
});

async function readRows(path: string) {
  const result = await database.connection.runAndReadAll(`SELECT * FROM read_csv('${path}', all_varchar = true, header = true)`);
  const columns = result.columnNames().map((name) => ({ name }));
  const rows = result.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === null ? null : String(value)])));
  return { columns, rows };
}

describe('exportFocus', () => {
  it('bills web searches per thousand searches, at list and after the discount', async () => {
    const path = join(directory, 'search.csv');
    const outcome = await exportFocus(database, {
      fromMs: Date.parse('2026-11-01T00:00:00Z'),
      toMs: Date.parse('2026-12-01T00:00:00Z'),
      tagNames: ['feature'],
      rates: [{ priceId: 'p:search', band: 0, thresholds: [], list, contracted }],
      format: 'csv',
      path,
    });
    const file = await readRows(path);
    expect(validateFocusRows(file)).toEqual([]);
    const search = file.rows.find((row) => row.SkuId === 'claude-test:web_search');
    expect(search).toMatchObject({
      ConsumedQuantity: '4.000000',
      ConsumedUnit: 'Searches',
      PricingQuantity: '0.004000',
      PricingUnit: '1000 Searches',
      ListUnitPrice: '10.000000000000',
      ContractedUnitPrice: '8.000000000000',
      ListCost: '0.040000000000',
      BilledCost: '0.032000000000',
      x_CallCount: '2',
      ChargeDescription: 'claude-test web searches',
    });
    const billed = file.rows.reduce((total, row) => total + decimalToPicodollars(parseExactDecimal(row.BilledCost!)!)!, 0n);
    expect(billed).toBe(outcome.storeTotalPicodollars);
    expect(outcome.billedPicodollars).toBe(outcome.storeTotalPicodollars);
  });

  it('keeps the audio cost of a call whose price it has no rates for, without unit prices', async () => {
    const path = join(directory, 'voice.csv');
    const outcome = await exportFocus(database, {
      fromMs: Date.parse('2026-11-03T12:00:00Z'),
      toMs: Date.parse('2026-11-03T13:00:00Z'),
      tagNames: [],
      rates: [],
      format: 'csv',
      path,
    });
    const file = await readRows(path);
    expect(validateFocusRows(file)).toEqual([]);
    expect(outcome.rowsWithoutUnitPrice).toBe(file.rows.length);
    const audio = file.rows.filter((row) => row.x_TokenClass?.endsWith('_audio'));
    expect(audio.map((row) => [row.x_TokenClass, row.ConsumedQuantity, row.ListUnitPrice]).sort()).toEqual([
      ['input_audio', '500.000000', null],
      ['output_audio', '400.000000', null],
    ]);
    // The window is part of one day: the charge period is the window, not the whole day.
    expect(new Set(file.rows.map((row) => `${row.ChargePeriodStart} ${row.ChargePeriodEnd} ${row.Tags}`))).toEqual(new Set(['2026-11-03T12:00:00Z 2026-11-03T13:00:00Z {}']));
    expect(outcome.billedPicodollars).toBe(41_600_000_000n);
  });
});
