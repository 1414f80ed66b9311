import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { decimalToPicodollars, parseExactDecimal } from '../core/governance/focus/focus-decimal.js';
import { validateFocusRows, type FocusFileContent } from '../core/governance/focus/validate-focus-rows.js';
import { exactPicodollars, type StatementJson } from '../core/governance/statements/statement-json.js';
import { readFocusFile } from '../testing/read-focus-file.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * The FOCUS file and the statement documents over HTTP: a real server on loopback over a real DuckDB file, the
 * file downloaded, read back by a DuckDB of its own, checked column by column (validateFocusRows) and summed
 * against the store's total for the month as the statement gives it. The export's temporary files go to a
 * TMPDIR of this test's own, so that it can see they are gone once the download is over.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-focus-api-'));
const temporary = join(directory, 'tmp');
const previousTmpdir = process.env.TMPDIR;
let server: RunningServer;
let services: ServerServices;

function event(id: string, timestamp: string, model: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { id, timestamp, provider: 'openai', model, input_tokens: 120_007, output_tokens: 9_013, ...fields };
}

beforeAll(async () => {
  // A discount, so that list and billed costs differ and the file's unit prices are worth checking.
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ discounts: [{ model: 'gpt-4.1-mini', percent: 10 }] }));
  const app = createApp({ directory, now: () => new Date('2026-12-02T12:00:00Z') });
  ({ services } = await openServerServices(app, { db: join(directory, 'store.duckdb') }));
  server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  const batch = [
    event('f-1', '2026-11-02T08:00:00Z', 'gpt-4.1-mini', { cache_read_tokens: 40_000, feature: 'support-bot', team: 'support' }),
    event('f-2', '2026-11-02T09:00:00Z', 'gpt-4.1-mini', { feature: 'support-bot', team: 'support', user_tier: 'pro' }),
    event('f-3', '2026-11-15T09:00:00Z', 'gpt-4.1', { feature: 'search', team: 'search' }),
    event('f-4', '2026-11-30T23:59:59Z', 'o3-mini', { reasoning_tokens: 4_000, feature: 'planner' }),
    // Outside November: in neither the file nor the statement.
    event('f-5', '2026-12-01T00:00:00Z', 'gpt-4.1', { feature: 'search', team: 'search' }),
  ];
  const posted = await fetch(`${server.url}/v1/events`, { method: 'POST', body: JSON.stringify(batch), headers: { 'Content-Type': 'application/json' } });
  expect(posted.status).toBe(200);
  mkdirSync(temporary);
  process.env.TMPDIR = temporary;
}, 60_000);
afterAll(async () => {
  if (previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmpdir;
  await server?.close();
  await services?.close();
  rmSync(directory, { recursive: true, force: true });
});

async function readBack(body: Uint8Array, format: 'csv' | 'parquet'): Promise<FocusFileContent> {
  const path = join(directory, `downloaded.${format}`);
  writeFileSync(path, body);
  return readFocusFile(path, format);
}

const billedPicodollars = (rows: FocusFileContent['rows']): bigint => rows.reduce((total, row) => total + decimalToPicodollars(parseExactDecimal(row.BilledCost!)!)!, 0n);

async function novemberTotal(): Promise<bigint> {
  const statement = (await (await fetch(`${server.url}/v1/statements?period=2026-11`)).json()) as StatementJson;
  expect(statement.calls).toBe(4);
  return exactPicodollars(statement.total.exact);
}

describe('GET /v1/export/focus', () => {
  for (const format of ['csv', 'parquet'] as const) {
    it(`sends the ${format} FOCUS file of the window as an attachment that passes every FOCUS rule and bills the store's total to the picodollar, then deletes it`, async () => {
      const response = await fetch(`${server.url}/v1/export/focus?from=2026-11-01&to=2026-12-01&format=${format}`, { headers: { 'Accept-Encoding': 'identity' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet');
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename=focus-2026-11-01-2026-12-01.${format}`);
      const body = new Uint8Array(await response.arrayBuffer());
      expect(Number(response.headers.get('content-length'))).toBe(body.length);
      if (format === 'parquet') expect(new TextDecoder().decode(body.subarray(0, 4))).toBe('PAR1');
      const file = await readBack(body, format);
      expect(validateFocusRows(file)).toEqual([]);
      // Three models, each with more than one token class: more than one row per call.
      expect(file.rows.length).toBeGreaterThan(4);
      expect(new Set(file.rows.map((row) => row.ChargePeriodStart!.slice(0, 10)))).toEqual(new Set(['2026-11-02', '2026-11-15', '2026-11-30']));
      const total = await novemberTotal();
      expect(total).toBeGreaterThan(0n);
      expect(billedPicodollars(file.rows)).toBe(total);
      expect(response.headers.get('x-unitcost-billed-picodollars')).toBe(total.toString());
      expect(Number(response.headers.get('x-unitcost-focus-rows'))).toBe(file.rows.length);
      // The temporary directory is removed once the stream closes, just after the last byte.
      await expect.poll(() => readdirSync(temporary)).toEqual([]);
    });
  }

  it('refuses a window it cannot export, naming the parameter', async () => {
    const cases: Array<[string, string, string]> = [
      ['from=2026-11-01', 'to', 'to is required'],
      ['to=2026-12-01', 'from', 'from is required'],
      ['from=2026-12-01&to=2026-11-01', 'from', 'must be before to'],
      ['from=2026-11-31&to=2026-12-01', 'from', 'from must be a date such as 2026-03-01'],
      ['from=2026-11-01&to=2026-12-01&format=xlsx', 'format', 'format must be csv or parquet, got "xlsx"'],
      ['from=2026-11-01&to=2026-12-01&tags=team,colour', 'tags', '"colour" is not a tag of usage events'],
      ['from=2026-11-01&to=2026-12-01&fromat=csv', 'fromat', 'unknown query parameter: fromat'],
    ];
    for (const [query, field, message] of cases) {
      const response = await fetch(`${server.url}/v1/export/focus?${query}`);
      expect(response.status, query).toBe(400);
      const error = ((await response.json()) as { error: { field: string; message: string } }).error;
      expect(error.field, query).toBe(field);
      expect(error.message, query).toContain(message);
    }
    expect(readdirSync(temporary)).toEqual([]);
  });
});

describe('GET /v1/statements?format=', () => {
  it('sends the statement as the CLI\'s CSV, whose total row is the JSON\'s, and as its printable page', async () => {
    const json = (await (await fetch(`${server.url}/v1/statements?period=2026-11&by=team`)).json()) as StatementJson;
    const csv = await fetch(`${server.url}/v1/statements?period=2026-11&by=team&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename=statement-team-2026-11-showback.csv');
    const rows = (await csv.text()).trim().split('\n').map((line) => line.split(','));
    const head = rows[0]!;
    const total = rows.find((row) => row[head.indexOf('kind')] === 'total')!;
    expect(total[head.indexOf('total_usd')]).toBe(json.due.exact);
    expect(rows.filter((row) => row[head.indexOf('kind')] === 'group').map((row) => row[head.indexOf('group')])).toEqual(json.lines.map((line) => line.group));

    const html = await fetch(`${server.url}/v1/statements?period=2026-11&by=team&format=html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await html.text();
    expect(page).toContain('<title>Showback statement — 2026-11 by team</title>');
    for (const line of json.lines) expect(page).toContain(line.group);

    const wrong = await fetch(`${server.url}/v1/statements?period=2026-11&format=pdf`);
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { field: string } }).error.field).toBe('format');
  });
});
