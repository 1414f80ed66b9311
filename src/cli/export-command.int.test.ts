import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBundledProviders } from '../app/load-bundled-providers.js';
import { PriceCatalog } from '../core/catalog/price-catalog.js';
import { decimalToPicodollars, parseExactDecimal } from '../core/governance/focus/focus-decimal.js';
import { validateFocusRows, type FocusFileContent } from '../core/governance/focus/validate-focus-rows.js';
import { captureIo } from './capture-io.js';
import { readFocusFile } from '../testing/read-focus-file.js';
import { runCli } from './main.js';

/*
 * The FOCUS export end to end: events ingested through the CLI with a config that discounts Anthropic by
 * 20% and gpt-4.1-mini by 10% from noon of November 11th, exported as CSV and Parquet, read back by DuckDB
 * and checked column by column (validateFocusRows), then against the store and the catalog.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-focus-'));
const db = join(directory, 'store.duckdb');
const appOptions = { directory, environment: {}, now: () => new Date('2026-11-20T00:00:00Z') };

async function run(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, appOptions);
  return { code, out: io.out(), err: io.err() };
}

const call = (fields: Record<string, unknown>): string => JSON.stringify({ provider: 'openai', output_tokens: 100, ...fields });

beforeAll(async () => {
  writeFileSync(
    join(directory, 'unitcost.config.json'),
    JSON.stringify({
      discounts: [
        { provider: 'anthropic', percent: 20 },
        { model: 'gpt-4.1-mini', percent: 10, effective_from: '2026-11-11T12:00:00Z' },
      ],
    }),
  );
  const lines = [
    // Anthropic with every cache class, and one call past the 200k long-context threshold.
    call({ id: 'a1', timestamp: '2026-11-10T09:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 12000, cache_read_tokens: 8000, cache_write_tokens: 3000, cache_write_1h_tokens: 1000, output_tokens: 700, feature: 'support-faq', team: 'support' }),
    call({ id: 'a2', timestamp: '2026-11-10T10:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 9000, cache_read_tokens: 8000, output_tokens: 300, feature: 'support-faq', team: 'support' }),
    call({ id: 'a3', timestamp: '2026-11-10T11:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 250000, output_tokens: 2000, feature: 'coding-agent', team: 'platform', user_tier: 'pro' }),
    // gpt-4.1-mini on both sides of its discount's start, in one day and the next.
    call({ id: 'g1', timestamp: '2026-11-11T08:00:00Z', model: 'gpt-4.1-mini', input_tokens: 3000, cache_read_tokens: 1000, feature: 'summarizer', team: 'content' }),
    call({ id: 'g2', timestamp: '2026-11-11T15:00:00Z', model: 'gpt-4.1-mini', input_tokens: 5000, feature: 'summarizer', team: 'content' }),
    call({ id: 'g3', timestamp: '2026-11-12T15:00:00Z', model: 'gpt-4.1-mini', input_tokens: 4000, feature: 'summarizer', team: 'content', environment: 'production' }),
    // Reasoning and audio classes.
    call({ id: 'o1', timestamp: '2026-11-12T16:00:00Z', model: 'o3-mini', input_tokens: 2000, output_tokens: 5000, reasoning_tokens: 4000, feature: 'planner' }),
    call({ id: 'r1', timestamp: '2026-11-12T17:00:00Z', model: 'gpt-realtime', input_tokens: 3000, input_audio_tokens: 2500, output_tokens: 900, output_audio_tokens: 800, feature: 'voice' }),
    // A model that charges per request as well as per token.
    call({ id: 'p1', timestamp: '2026-11-12T17:30:00Z', provider: 'perplexity', model: 'sonar', input_tokens: 500, output_tokens: 200, feature: 'search' }),
    call({ id: 'p2', timestamp: '2026-11-12T17:40:00Z', provider: 'perplexity', model: 'sonar', input_tokens: 600, output_tokens: 100, feature: 'search' }),
    // Outside the window, and a model no catalog prices.
    call({ id: 'x1', timestamp: '2026-10-31T23:59:59Z', model: 'gpt-4.1-mini', input_tokens: 1000 }),
    call({ id: 'u1', timestamp: '2026-11-12T18:00:00Z', provider: 'internal', model: 'in-house-llm', input_tokens: 1000 }),
  ];
  writeFileSync(join(directory, 'events.jsonl'), `${lines.join('\n')}\n`);
  const ingested = await run('ingest', join(directory, 'events.jsonl'), '--db', db);
  expect(ingested.code).toBe(0);
}, 60_000);

const readBack = readFocusFile;

async function storeTotalPicodollars(): Promise<bigint> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll(`SELECT sum(cost_total) AS total FROM usage_events WHERE ts >= TIMESTAMP '2026-11-01' AND ts < TIMESTAMP '2026-12-01'`);
    return BigInt(result.getRowObjects()[0]!.total as bigint);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const sumPicodollars = (rows: FocusFileContent['rows'], column: string): bigint =>
  rows.reduce((total, row) => total + decimalToPicodollars(parseExactDecimal(row[column]!)!)!, 0n);

describe('unitcost export focus', () => {
  for (const format of ['csv', 'parquet'] as const) {
    it(`writes a ${format} file that passes every FOCUS rule and bills the store's total to the picodollar`, async () => {
      const out = join(directory, `november.${format}`);
      const { code, out: stdout, err } = await run('export', 'focus', '--from', '2026-11-01', '--to', '2026-12-01', '--db', db, '--out', out);
      expect(err).toContain('1 calls of the window have no price and are not in the file');
      expect(code).toBe(0);
      expect(stdout).toContain(`FOCUS rows to ${out} (${format})`);
      const file = await readBack(out, format);
      expect(validateFocusRows(file)).toEqual([]);
      expect(file.rows.length).toBeGreaterThan(10);
      expect(sumPicodollars(file.rows, 'BilledCost')).toBe(await storeTotalPicodollars());
      expect(new Set(file.rows.map((row) => row.x_TokenClass))).toEqual(
        new Set(['input', 'cache_read', 'cache_write_5m', 'cache_write_1h', 'output', 'reasoning', 'input_audio', 'output_audio', 'request']),
      );
      // No file is left under a temporary name.
      expect(readdirSync(directory).filter((name) => name.includes('.partial-'))).toEqual([]);
    });
  }

  it('prices each row at the catalog\'s list price and the config\'s discounted price, one row per price in force', async () => {
    const out = join(directory, 'prices.csv');
    expect((await run('export', 'focus', '--from', '2026-11-01', '--to', '2026-12-01', '--db', db, '--out', out)).code).toBe(0);
    const { rows } = await readBack(out, 'csv');
    const listCatalog = new PriceCatalog(loadBundledProviders(), { models: [], discounts: [], prices: [] });
    const listRate = (model: string, at: string, inputTotal = 0): number => {
      const answer = listCatalog.priceAt(model, Date.parse(at));
      if (!answer.priced) throw new Error(`${model} has no price`);
      const tier = answer.price.card.tiers.filter((candidate) => inputTotal > candidate.inputAbove).at(-1);
      return (tier?.rates ?? answer.price.card.base).input;
    };
    const perMillion = (rate: number): string => (rate / 1_000_000).toFixed(12);
    const sonnetInput = rows.filter((row) => row.SkuId === 'claude-sonnet-4-5:input');
    // The long-context call is billed at the tier's rates: a row of its own with its own unit price.
    expect(sonnetInput.map((row) => row.ListUnitPrice).sort()).toEqual([perMillion(listRate('claude-sonnet-4-5', '2026-11-10T09:00:00Z')), perMillion(listRate('claude-sonnet-4-5', '2026-11-10T11:00:00Z', 250000))].sort());
    for (const row of sonnetInput) {
      expect(Number(row.ContractedUnitPrice)).toBeCloseTo(Number(row.ListUnitPrice) * 0.8, 9);
      expect(Number(row.BilledCost)).toBeLessThan(Number(row.ListCost));
    }
    // gpt-4.1-mini on November 11th: list price all day, 10% off from noon: two rows for the day.
    const miniInput = rows.filter((row) => row.SkuId === 'gpt-4.1-mini:input' && row.ChargePeriodStart === '2026-11-11T00:00:00Z');
    expect(miniInput.map((row) => [row.ListUnitPrice, row.ContractedUnitPrice, row.ConsumedQuantity]).sort()).toEqual(
      [
        [perMillion(listRate('gpt-4.1-mini', '2026-11-11T08:00:00Z')), perMillion(listRate('gpt-4.1-mini', '2026-11-11T08:00:00Z')), '2000.000000'],
        [perMillion(listRate('gpt-4.1-mini', '2026-11-11T08:00:00Z')), perMillion(Math.round(listRate('gpt-4.1-mini', '2026-11-11T08:00:00Z') * 0.9)), '5000.000000'],
      ].sort(),
    );
    // Tags hold the calls' tags, and nothing for those they lack.
    const coding = rows.find((row) => row.SkuId === 'claude-sonnet-4-5:output' && row.Tags?.includes('coding-agent'));
    expect(JSON.parse(coding!.Tags!)).toEqual({ feature: 'coding-agent', team: 'platform', user_tier: 'pro' });
    // A request fee is counted in requests: two calls, priced per request.
    expect(rows.find((row) => row.SkuId === 'sonar:request')).toMatchObject({ ConsumedQuantity: '2.000000', ConsumedUnit: 'Requests', PricingQuantity: '2.000000', PricingUnit: 'Requests', x_CallCount: '2' });
    expect(rows.find((row) => row.SkuId === 'o3-mini:reasoning')).toMatchObject({ ConsumedQuantity: '4000.000000', PricingQuantity: '0.004000', ProviderName: 'openai', x_CallCount: '1' });
  });

  it('splits rows by the tags asked for and writes only the window', async () => {
    const out = join(directory, 'by-feature.csv');
    const { code } = await run('export', 'focus', '--from', '2026-11-11', '--to', '2026-11-12T00:00:00Z', '--db', db, '--out', out, '--tags', 'feature');
    expect(code).toBe(0);
    const { rows } = await readBack(out, 'csv');
    expect(new Set(rows.map((row) => row.ChargePeriodStart))).toEqual(new Set(['2026-11-11T00:00:00Z']));
    expect(new Set(rows.map((row) => row.Tags))).toEqual(new Set(['{"feature":"summarizer"}']));
  });

  it('writes calls priced under an older config at their stored cost, without unit prices, and says to reprice', async () => {
    // The same store read with a config whose Anthropic discount is now 30%: the stored 20% prices are no longer produced.
    const changed = mkdtempSync(join(tmpdir(), 'unitcost-focus-changed-'));
    writeFileSync(join(changed, 'unitcost.config.json'), JSON.stringify({ discounts: [{ provider: 'anthropic', percent: 30 }, { model: 'gpt-4.1-mini', percent: 10, effective_from: '2026-11-11T12:00:00Z' }] }));
    const io = captureIo();
    const out = join(directory, 'stale.csv');
    expect(await runCli(['node', 'unitcost', 'export', 'focus', '--from', '2026-11-01', '--to', '2026-12-01', '--db', db, '--out', out], io, { ...appOptions, directory: changed })).toBe(0);
    expect(io.err()).toMatch(/\d+ rows were billed at prices the config no longer gives: .*run `unitcost reprice --from 2026-11-01 --to 2026-12-01`/);
    const file = await readBack(out, 'csv');
    expect(validateFocusRows(file)).toEqual([]);
    const anthropic = file.rows.filter((row) => row.ProviderName === 'anthropic');
    expect(anthropic.length).toBeGreaterThan(0);
    for (const row of anthropic) expect([row.ListUnitPrice, row.ContractedUnitPrice, row.ListCost]).toEqual([null, null, row.BilledCost]);
    expect(file.rows.filter((row) => row.ProviderName === 'openai').every((row) => row.ListUnitPrice !== null)).toBe(true);
    expect(sumPicodollars(file.rows, 'BilledCost')).toBe(await storeTotalPicodollars());
  });

  it('refuses bad dates, an empty window, an unknown format or tag and a path it cannot write, before any work', async () => {
    const cases: Array<[string[], string]> = [
      [['--from', '2026-11-31', '--to', '2026-12-01'], '--from must be a date such as 2026-03-01'],
      [['--from', '2026-12-01', '--to', '2026-11-01'], '--from (2026-12-01T00:00:00.000Z) must be before --to'],
      [['--from', '2026-11-01', '--to', '2026-11-01'], 'must be before --to'],
      [['--from', '2026-11-01', '--to', '2026-12-01', '--format', 'xlsx'], '--format must be csv or parquet, got "xlsx"'],
      [['--from', '2026-11-01', '--to', '2026-12-01', '--tags', 'feature,customer'], '--tags: "customer" is not a tag of usage events'],
      [['--from', '2026-11-01', '--to', '2026-12-01', '--out', join(directory, 'missing', 'f.csv')], `the directory ${join(directory, 'missing')} does not exist`],
      [['--from', '2026-11-01', '--to', '2026-12-01', '--out', directory], 'it is a directory'],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await run('export', 'focus', '--db', db, ...args);
      expect(err).toContain(message);
      expect(code).toBe(2);
    }
    const missingFrom = await run('export', 'focus', '--to', '2026-12-01', '--db', db);
    expect(missingFrom.err).toContain("required option '--from <date>' not specified");
    expect(missingFrom.code).toBe(2);
  });

  // Root writes anywhere, so the permission cannot be taken away from it.
  it.skipIf(process.getuid?.() === 0)('refuses a directory it may not write to', async () => {
    const locked = mkdtempSync(join(tmpdir(), 'unitcost-focus-locked-'));
    chmodSync(locked, 0o500);
    const { code, err } = await run('export', 'focus', '--from', '2026-11-01', '--to', '2026-12-01', '--db', db, '--out', join(locked, 'f.csv'));
    expect(err).toContain('permission denied');
    expect(code).toBe(2);
    expect(existsSync(join(locked, 'f.csv'))).toBe(false);
  });

  it('says there is no store rather than exporting an empty one', async () => {
    const { code, err } = await run('export', 'focus', '--from', '2026-11-01', '--to', '2026-12-01', '--db', join(directory, 'none.duckdb'), '--out', join(directory, 'none.csv'));
    expect(err).toContain('no store at');
    expect(code).toBe(2);
  });
});
