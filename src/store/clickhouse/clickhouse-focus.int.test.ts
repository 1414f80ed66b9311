import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rates } from '../../core/catalog/rate-card.js';
import type { FocusPriceRate } from '../../core/governance/focus/focus-price-rate.js';
import { validateFocusRows } from '../../core/governance/focus/validate-focus-rows.js';
import { createApp } from '../../app/create-app.js';
import { openServerServices } from '../../app/server-service.js';
import { captureIo } from '../../cli/capture-io.js';
import { runCli } from '../../cli/main.js';
import { startServer } from '../../server/start-server.js';
import { readFocusFile } from '../../testing/read-focus-file.js';
import { startClickhouseServer, type ClickhouseTestServer } from '../../testing/clickhouse-server.js';
import { DuckdbStore } from '../duckdb/duckdb-store.js';
import type { FocusExportRun } from '../focus-exporter.js';
import type { Store } from '../store.js';
import type { StoredPriceRow, StoredUsageRow } from '../stored-rows.js';
import type { ClickhouseSettings } from './clickhouse-connection.js';
import { ClickhouseStore } from './clickhouse-store.js';

/*
 * The proof the ClickHouse backend asks for the FOCUS export: the same calls in a DuckDB store and a
 * ClickHouse store give the same file, byte for byte, and the same figures to check it by. Once on
 * hand-written rows that reach every corner of the query (every class, bands, a price changed during a day,
 * rates the catalog no longer has, a price id without its price row, sums past 10^21 picodollars, tags
 * needing CSV and JSON escapes, a window starting mid-day), once end to end through `unitcost ingest`,
 * `unitcost export focus` and `unitcost serve`'s download with a config whose backend is ClickHouse and no
 * DuckDB file anywhere.
 */

let server: ClickhouseTestServer;
let databases = 0;
const directory = mkdtempSync(join(tmpdir(), 'unitcost-clickhouse-focus-'));

beforeAll(async () => {
  server = await startClickhouseServer();
}, 90_000);

afterAll(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const settings = (database: string): ClickhouseSettings => ({
  ...server.settings(database),
});

const rates = (values: Partial<Rates>): Rates => ({ input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0, inputAudio: 0, outputAudio: 0, request: 0, webSearch: 0, ...values });

const price = (priceId: string, provider: string, model: string): StoredPriceRow => ({
  priceId,
  provider,
  model,
  sources: 'test',
  inputRate: 0,
  cacheReadRate: 0,
  cacheWrite5mRate: 0,
  cacheWrite1hRate: 0,
  outputRate: 0,
  reasoningRate: 0,
  inputAudioRate: 0,
  outputAudioRate: 0,
  requestFee: 0,
  tiers: '[]',
});

type Tokens = Partial<Pick<StoredUsageRow, 'inputTokens' | 'cacheReadTokens' | 'cacheWrite5mTokens' | 'cacheWrite1hTokens' | 'outputTokens' | 'reasoningTokens' | 'inputAudioTokens' | 'outputAudioTokens' | 'webSearchRequests'>>;
type Costs = Partial<Pick<StoredUsageRow, 'costInput' | 'costCacheRead' | 'costCacheWrite5m' | 'costCacheWrite1h' | 'costOutput' | 'costReasoning' | 'costAudio' | 'costRequest' | 'costWebSearch'>>;
type Tags = Partial<Pick<StoredUsageRow, 'feature' | 'team' | 'userTier' | 'environment' | 'step'>>;

let sequence = 0;
/** A stored call; its total is the sum of its class costs, or null (unpriced) when `costs` is null. */
function usage(ts: string, priceId: string | null, model: string, tokens: Tokens, costs: Costs | null, tags: Tags = {}): StoredUsageRow {
  sequence += 1;
  const cost = (name: keyof Costs): number | null => (costs === null ? null : (costs[name] ?? 0));
  const names: Array<keyof Costs> = ['costInput', 'costCacheRead', 'costCacheWrite5m', 'costCacheWrite1h', 'costOutput', 'costReasoning', 'costAudio', 'costRequest', 'costWebSearch'];
  const total = costs === null ? null : names.reduce((sum, name) => sum + BigInt(cost(name)!), 0n);
  return {
    id: `call-${sequence}`,
    contentHash: `call-${sequence}`,
    timestampMs: Date.parse(ts),
    provider: null,
    model,
    pricedProvider: null,
    pricedModel: costs === null ? null : model,
    priceId,
    unpricedReason: costs === null ? 'unknown model' : null,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    inputAudioTokens: 0,
    outputAudioTokens: 0,
    webSearchRequests: 0,
    ...tokens,
    costInput: cost('costInput'),
    costCacheRead: cost('costCacheRead'),
    costCacheWrite5m: cost('costCacheWrite5m'),
    costCacheWrite1h: cost('costCacheWrite1h'),
    costOutput: cost('costOutput'),
    costReasoning: cost('costReasoning'),
    costAudio: cost('costAudio'),
    costRequest: cost('costRequest'),
    costWebSearch: cost('costWebSearch'),
    costTotal: total === null ? null : Number(total),
    feature: 'chat',
    team: null,
    userTier: null,
    userId: null,
    sessionId: null,
    taskId: null,
    step: null,
    environment: null,
    attributes: null,
    status: 'ok',
    retryOf: null,
    latencyMs: null,
    timeToFirstTokenMs: null,
    responseCache: null,
    reportedCostUsd: null,
    source: null,
    ...tags,
  } as StoredUsageRow;
}

// $3/M input, $15/M output, $0.30/M cache reads, $3.75/M 5-minute writes, $6/M 1-hour writes, $10 per 1,000
// searches at list, 20% off; past 200k input tokens $6/M and $22.50/M. The older price of the same model
// (until noon of the 3rd) was $4/M and $16/M with no discount.
const frontierBase = rates({ input: 3_000_000, output: 15_000_000, cacheRead: 300_000, cacheWrite5m: 3_750_000, cacheWrite1h: 6_000_000, webSearch: 10_000_000_000 });
const frontierLong = rates({ input: 6_000_000, output: 22_500_000, cacheRead: 600_000, cacheWrite5m: 7_500_000, cacheWrite1h: 12_000_000, webSearch: 10_000_000_000 });
const discounted = (values: Rates): Rates => Object.fromEntries(Object.entries(values).map(([key, value]) => [key, (value * 4) / 5])) as unknown as Rates;
const oldFrontier = rates({ input: 4_000_000, output: 16_000_000 });
const voice = rates({ input: 2_000_000, output: 8_000_000, inputAudio: 32_000_000, outputAudio: 64_000_000 });
const sonar = rates({ input: 1_000_000, output: 1_000_000, request: 5_000_000_000 });
const reasoner = rates({ input: 1_100_000, output: 4_400_000, reasoning: 4_400_000 });
// A list price of $9 a token, $0.001 contracted: 200 million tokens list at $1.8 billion, 1.8·10^21 picodollars.
const huge = rates({ output: 9_000_000_000_000 });
const hugeContracted = rates({ output: 1_000_000_000 });
const focusRates: FocusPriceRate[] = [
  { priceId: 'p:frontier', band: 0, thresholds: [200_000], list: frontierBase, contracted: discounted(frontierBase) },
  { priceId: 'p:frontier', band: 1, thresholds: [200_000], list: frontierLong, contracted: discounted(frontierLong) },
  { priceId: 'p:frontier-old', band: 0, thresholds: [], list: oldFrontier, contracted: oldFrontier },
  { priceId: 'p:voice', band: 0, thresholds: [], list: voice, contracted: voice },
  { priceId: 'p:sonar', band: 0, thresholds: [], list: sonar, contracted: sonar },
  { priceId: 'p:reasoner', band: 0, thresholds: [], list: reasoner, contracted: reasoner },
  { priceId: 'p:huge', band: 0, thresholds: [], list: huge, contracted: hugeContracted },
];

const prices: StoredPriceRow[] = [
  price('p:frontier', 'anthropic', 'frontier'),
  price('p:frontier-old', 'anthropic', 'frontier'),
  price('p:voice', 'openai', 'voice'),
  price('p:voice-retired', 'openai', 'voice-retired'),
  price('p:sonar', 'perplexity', 'sonar'),
  price('p:reasoner', 'openai', 'reasoner'),
  price('p:huge', 'bulk', 'huge'),
];

const calls: StoredUsageRow[] = [
  // Before the window (which starts at 06:00 on the 3rd), and the older price until noon.
  usage('2026-11-03T05:59:59Z', 'p:frontier-old', 'frontier', { inputTokens: 1000, outputTokens: 100 }, { costInput: 4_000_000_000, costOutput: 1_600_000_000 }),
  usage('2026-11-03T09:00:00Z', 'p:frontier-old', 'frontier', { inputTokens: 2000, outputTokens: 200 }, { costInput: 8_000_000_000, costOutput: 3_200_000_000 }, { team: 'search, "beta"', userTier: 'pro' }),
  // The new price after noon: every cache class, searches, and one call past the long-context threshold.
  usage(
    '2026-11-03T13:00:00Z',
    'p:frontier',
    'frontier',
    { inputTokens: 12_000, cacheReadTokens: 8000, cacheWrite5mTokens: 2000, cacheWrite1hTokens: 1000, outputTokens: 700, webSearchRequests: 3 },
    { costInput: 1000 * 2_400_000, costCacheRead: 8000 * 240_000, costCacheWrite5m: 2000 * 3_000_000, costCacheWrite1h: 1000 * 4_800_000, costOutput: 700 * 12_000_000, costWebSearch: 3 * 8_000_000_000 },
    { team: 'search, "beta"', userTier: 'pro', environment: 'prod' },
  ),
  usage('2026-11-03T14:00:00Z', 'p:frontier', 'frontier', { inputTokens: 250_000, outputTokens: 2000 }, { costInput: 250_000 * 4_800_000, costOutput: 2000 * 18_000_000 }, { team: 'back\\slash', step: 2 }),
  usage('2026-11-03T15:00:00Z', 'p:frontier', 'frontier', { inputTokens: 5000, outputTokens: 100 }, { costInput: 5000 * 2_400_000, costOutput: 100 * 12_000_000 }, { feature: 'two\nlines', team: 'tab\there' }),
  // Audio at known rates, and audio whose price the catalog no longer has: its stored cost, no unit price.
  usage('2026-11-04T10:00:00Z', 'p:voice', 'voice', { inputTokens: 3000, inputAudioTokens: 2500, outputTokens: 900, outputAudioTokens: 800 }, { costInput: 500 * 2_000_000, costOutput: 100 * 8_000_000, costAudio: 2500 * 32_000_000 + 800 * 64_000_000 }),
  usage('2026-11-04T10:30:00Z', 'p:voice-retired', 'voice-retired', { inputTokens: 500, inputAudioTokens: 500, outputTokens: 400, outputAudioTokens: 400 }, { costAudio: 41_600_000_000 }),
  // A request fee, reasoning, a price id without its price row, and an unpriced call.
  usage('2026-11-04T11:00:00Z', 'p:sonar', 'sonar', { inputTokens: 500, outputTokens: 200 }, { costInput: 500 * 1_000_000, costOutput: 200 * 1_000_000, costRequest: 5_000_000_000 }, { feature: null }),
  usage('2026-11-04T12:00:00Z', 'p:reasoner', 'reasoner', { inputTokens: 2000, outputTokens: 5000, reasoningTokens: 4000 }, { costInput: 2000 * 1_100_000, costOutput: 1000 * 4_400_000, costReasoning: 4000 * 4_400_000 }, { step: 1 }),
  usage('2026-11-04T12:30:00Z', 'p:orphan', 'orphan-model', { inputTokens: 100 }, { costInput: 123_456_789 }),
  usage('2026-11-04T13:00:00Z', null, 'in-house', { inputTokens: 1000 }, null),
  // After the window.
  usage('2026-11-05T00:00:00Z', 'p:voice', 'voice', { inputTokens: 10 }, { costInput: 20_000_000 }),
];
// 200 calls of a million tokens at $9 a token list ($1,000 stored each): a row past 10^21 picodollars, where
// ClickHouse 18.16's Decimal text garbles.
for (let index = 0; index < 200; index += 1) {
  calls.push(usage(`2026-11-04T14:${String(index % 60).padStart(2, '0')}:00Z`, 'p:huge', 'huge', { outputTokens: 1_000_000 }, { costOutput: 1_000_000_000_000_000 }, { feature: 'bulk' }));
}

describe('the FOCUS export on a ClickHouse store', () => {
  let duckdb: DuckdbStore;
  let clickhouse: ClickhouseStore;

  beforeAll(async () => {
    duckdb = await DuckdbStore.open(join(directory, 'rows.duckdb'));
    clickhouse = await ClickhouseStore.open(settings(`focus_rows_${(databases += 1)}`));
    for (const store of [duckdb, clickhouse] as Store[]) {
      await store.upsertPrices(prices);
      await store.appendUsage(calls);
    }
  }, 60_000);

  afterAll(async () => {
    await duckdb?.close();
    await clickhouse?.close();
  });

  const run = (name: string, tagNames: FocusExportRun['tagNames']): Omit<FocusExportRun, 'path'> & { name: string } => ({
    name,
    fromMs: Date.parse('2026-11-03T06:00:00Z'),
    toMs: Date.parse('2026-11-05T00:00:00Z'),
    tagNames,
    rates: focusRates,
    format: 'csv',
  });

  for (const tagNames of [['feature', 'team', 'user_tier', 'environment', 'step'], []] as const) {
    it(`writes the same CSV as the DuckDB store, byte for byte, with the same figures (tags: ${tagNames.join(', ') || 'none'})`, async () => {
      const { name, ...query } = run(`tags-${tagNames.length}`, tagNames);
      const fromDuckdb = join(directory, `${name}-duckdb.csv`);
      const fromClickhouse = join(directory, `${name}-clickhouse.csv`);
      const duckdbOutcome = await duckdb.exportFocus({ ...query, path: fromDuckdb });
      const clickhouseOutcome = await clickhouse.exportFocus({ ...query, path: fromClickhouse });
      expect(readFileSync(fromClickhouse, 'utf8')).toBe(readFileSync(fromDuckdb, 'utf8'));
      expect(clickhouseOutcome).toEqual(duckdbOutcome);
      // The window's figures: 209 priced calls and one unpriced; the retired price's two audio rows and the
      // orphan's input row have no unit price; the list cost is past 10^21 picodollars.
      expect(duckdbOutcome).toMatchObject({ pricedCalls: 209, unpricedCalls: 1, rowsWithoutUnitPrice: 3 });
      expect(duckdbOutcome.billedPicodollars).toBe(duckdbOutcome.storeTotalPicodollars);
      expect(duckdbOutcome.listPicodollars > 10n ** 21n).toBe(true);
      expect(validateFocusRows(await readFocusFile(fromClickhouse, 'csv'))).toEqual([]);
    });
  }

  it('lists the same priced models to plan list prices from', async () => {
    const range = { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z') };
    expect(await clickhouse.focusPricedModels(range)).toEqual(await duckdb.focusPricedModels(range));
  });

  it('refuses Parquet, which ClickHouse 18.16 cannot write, naming the way round it and leaving no file', async () => {
    const path = join(directory, 'refused.parquet');
    await expect(clickhouse.exportFocus({ ...run('parquet', []), format: 'parquet', path })).rejects.toMatchObject({ code: 'not_implemented', message: expect.stringContaining('--format csv') });
    expect(existsSync(path)).toBe(false);
  });
});

describe('unitcost export focus with the ClickHouse backend', () => {
  it('needs no DuckDB file, and writes the file the DuckDB store writes for the same ingested events', async () => {
    const database = `focus_cli_${(databases += 1)}`;
    const onClickhouse = join(directory, 'clickhouse-cli');
    const onDuckdb = join(directory, 'duckdb-cli');
    mkdirSync(onClickhouse);
    mkdirSync(onDuckdb);
    const discounts = [{ provider: 'anthropic', percent: 20 }, { model: 'gpt-4.1-mini', percent: 10, effective_from: '2026-11-11T12:00:00Z' }];
    writeFileSync(join(onClickhouse, 'unitcost.config.json'), JSON.stringify({ discounts, store: { backend: 'clickhouse', clickhouse: { url: server.url, database } } }));
    writeFileSync(join(onDuckdb, 'unitcost.config.json'), JSON.stringify({ discounts }));
    const call = (fields: Record<string, unknown>): string => JSON.stringify({ provider: 'openai', output_tokens: 100, ...fields });
    const events = join(directory, 'events.jsonl');
    writeFileSync(
      events,
      `${[
        call({ id: 'a1', timestamp: '2026-11-10T09:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 12000, cache_read_tokens: 8000, cache_write_tokens: 3000, output_tokens: 700, feature: 'support-faq', team: 'support' }),
        call({ id: 'a3', timestamp: '2026-11-10T11:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 250000, output_tokens: 2000, feature: 'coding-agent', team: 'platform', user_tier: 'pro' }),
        call({ id: 'g1', timestamp: '2026-11-11T08:00:00Z', model: 'gpt-4.1-mini', input_tokens: 3000, cache_read_tokens: 1000, feature: 'summarizer', team: 'content' }),
        call({ id: 'g2', timestamp: '2026-11-11T15:00:00Z', model: 'gpt-4.1-mini', input_tokens: 5000, feature: 'summarizer', team: 'content' }),
        call({ id: 'r1', timestamp: '2026-11-12T17:00:00Z', model: 'gpt-realtime', input_tokens: 3000, input_audio_tokens: 2500, output_tokens: 900, output_audio_tokens: 800, feature: 'voice' }),
        call({ id: 'p1', timestamp: '2026-11-12T17:30:00Z', provider: 'perplexity', model: 'sonar', input_tokens: 500, output_tokens: 200, feature: 'search' }),
        call({ id: 'u1', timestamp: '2026-11-12T18:00:00Z', provider: 'internal', model: 'in-house-llm', input_tokens: 1000 }),
      ].join('\n')}\n`,
    );
    const cli = async (cwd: string, ...args: string[]) => {
      const io = captureIo();
      const code = await runCli(['node', 'unitcost', ...args], io, { directory: cwd, configPath: join(cwd, 'unitcost.config.json'), environment: {}, now: () => new Date('2026-11-20T00:00:00Z') });
      return { code, out: io.out(), err: io.err() };
    };
    const exportArgs = (cwd: string) => ['export', 'focus', '--from', '2026-11-01', '--to', '2026-12-01', '--out', join(cwd, 'november.csv'), '--json'];
    expect((await cli(onDuckdb, 'ingest', events, '--db', join(onDuckdb, 'store.duckdb'))).code).toBe(0);
    expect((await cli(onClickhouse, 'ingest', events)).code).toBe(0);
    const fromDuckdb = await cli(onDuckdb, ...exportArgs(onDuckdb), '--db', join(onDuckdb, 'store.duckdb'));
    const fromClickhouse = await cli(onClickhouse, ...exportArgs(onClickhouse));
    expect(fromClickhouse.err).not.toContain('no store at');
    expect([fromDuckdb.code, fromClickhouse.code, fromClickhouse.err.replace(onClickhouse, onDuckdb)]).toEqual([0, 0, fromDuckdb.err]);
    expect(readFileSync(join(onClickhouse, 'november.csv'), 'utf8')).toBe(readFileSync(join(onDuckdb, 'november.csv'), 'utf8'));
    const figures = (out: string) => {
      const { path: _path, seconds: _seconds, ...rest } = JSON.parse(out) as Record<string, unknown>;
      return rest;
    };
    expect(figures(fromClickhouse.out)).toEqual(figures(fromDuckdb.out));
    expect(existsSync(join(onClickhouse, 'unitcost.duckdb'))).toBe(false);

    // GET /v1/export/focus of `unitcost serve` on the same ClickHouse database: the same file again.
    const app = createApp({ directory: onClickhouse, configPath: join(onClickhouse, 'unitcost.config.json'), environment: {}, now: () => new Date('2026-11-20T00:00:00Z') });
    const { services } = await openServerServices(app);
    const running = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
    try {
      const response = await fetch(`${running.url}/v1/export/focus?from=2026-11-01&to=2026-12-01&format=csv`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(readFileSync(join(onDuckdb, 'november.csv'), 'utf8'));
    } finally {
      await running.close();
      await services.close();
    }
  }, 60_000);
});
