import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exactPicodollars as picodollars, type StatementJson } from '../core/governance/statements/statement-json.js';
import { openDuckdbDatabase } from '../store/duckdb/duckdb-database.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

/*
 * Statements on a real DuckDB file through the CLI: showback adds up to the store's total to the picodollar;
 * chargeback freezes a period, a repricing and a late event show up as adjustment lines on the next statement
 * while the frozen one stays as it was; overlapping closes are refused; CSV and HTML carry the same figures.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-statement-'));
const db = join(directory, 'store.duckdb');
const appOptions = { directory, environment: {}, now: () => new Date('2026-12-05T12:00:00Z') };
const allocation = { statements: { allocation: { team: { shared: ['platform'], rule: 'proportional' } } } };
const model = { id: 'acme-llm', provider: 'acme', prices: { input: 1, output: 3 } };
const config = join(directory, 'unitcost.config.json');
// The same custom model, dearer from October 20th: what a corrected price list does to a closed month.
const repricedConfig = join(directory, 'repriced.config.json');

let sequence = 0;
function call(day: string, team: string | null, input: number, output: number): string {
  sequence += 1;
  return JSON.stringify({ id: `call-${sequence}`, timestamp: `${day}T10:00:00Z`, model: 'acme-llm', input_tokens: input, output_tokens: output, feature: 'chat', ...(team === null ? {} : { team }) });
}

async function cli(args: string[], configFile = config): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', '--config', configFile, ...args], io, appOptions);
  return { code, out: io.out(), err: io.err() };
}

async function statement(args: string[], configFile = config): Promise<StatementJson> {
  const result = await cli(['statement', '--db', db, '--format', 'json', ...args], configFile);
  expect(result.code, result.err).toBe(0);
  return JSON.parse(result.out) as StatementJson;
}

async function ingest(name: string, lines: string[]): Promise<void> {
  const file = join(directory, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const result = await cli(['ingest', file, '--db', db]);
  expect(result.code, result.err).toBe(0);
}

/** The store's own cost of [from, to), summed by DuckDB from the stored calls. */
async function storeTotal(from: string, to: string): Promise<bigint> {
  const database = await openDuckdbDatabase(db);
  try {
    const reader = await database.connection.runAndReadAll(`SELECT coalesce(sum(cost_total), 0)::HUGEINT AS total FROM usage_events WHERE ts >= TIMESTAMP '${from}' AND ts < TIMESTAMP '${to}'`);
    return BigInt(String(reader.getRowObjectsJS()[0]!.total));
  } finally {
    database.close();
  }
}

const linesTotal = (statement: StatementJson) => statement.lines.reduce((sum, line) => sum + picodollars(line.total.exact), 0n) + picodollars(statement.shared.unallocated.exact);

beforeAll(async () => {
  writeFileSync(config, JSON.stringify({ models: [model], ...allocation }));
  writeFileSync(repricedConfig, JSON.stringify({ models: [{ ...model, prices: [{ input: 1, output: 3 }, { input: 1.7, output: 3.3, effective_from: '2026-10-20' }] }], ...allocation }));
  // Odd token counts, so that shares of the shared cost leave remainders to place.
  await ingest('october-november.jsonl', [
    call('2026-10-03', 'a', 12_345, 677),
    call('2026-10-12', 'a', 3_001, 11),
    call('2026-10-21', 'b', 7_777, 1_003),
    call('2026-10-22', null, 5_003, 97),
    call('2026-10-25', 'platform', 2_221, 333),
    call('2026-11-04', 'a', 1_111, 101),
    call('2026-11-18', 'b', 9_999, 7),
    call('2026-11-19', 'platform', 4_447, 41),
  ]);
});

describe('unitcost statement', () => {
  it('adds each team\'s direct cost and share of the shared cost up to the store\'s total, to the picodollar', async () => {
    const live = await statement(['--period', '2026-10', '--by', 'team']);
    expect(live.statement_id).toBeNull();
    expect(live.lines.map((line) => line.group)).toEqual(['a', 'b']);
    expect(live.shared.sources.map((source) => source.group)).toEqual([null, 'platform']);
    const total = await storeTotal('2026-10-01', '2026-11-01');
    expect(total).toBeGreaterThan(0n);
    expect(linesTotal(live)).toBe(total);
    expect(picodollars(live.total.exact)).toBe(total);
    // Proportional: a and b share the pool in the ratio of their direct cost, within a picodollar of rounding.
    const [a, b] = live.lines.map((line) => ({ direct: picodollars(line.direct.exact), shared: picodollars(line.shared.exact) }));
    const pool = picodollars(live.shared.total.exact);
    expect(a!.shared + b!.shared).toBe(pool);
    const error = a!.shared * (a!.direct + b!.direct) - pool * a!.direct;
    expect(error < 0n ? -error : error).toBeLessThanOrEqual(a!.direct + b!.direct);
  });

  it('freezes a closed period, and carries a later repricing and a late event as adjustment lines on the next statement', async () => {
    const closed = await statement(['--period', '2026-10', '--mode', 'chargeback']);
    expect(closed.statement_id).toBe('team-2026-10');
    expect(closed.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(linesTotal(closed)).toBe(await storeTotal('2026-10-01', '2026-11-01'));
    // Running it again shows the same frozen statement.
    expect(await statement(['--period', '2026-10', '--mode', 'chargeback'])).toEqual(closed);

    // A late event for October, and October's calls from the 20th repriced.
    await ingest('late.jsonl', [call('2026-10-30', 'a', 20_011, 3)]);
    const reprice = await cli(['reprice', '--db', db, '--from', '2026-10-01', '--to', '2026-11-01'], repricedConfig);
    expect(reprice.code, reprice.err).toBe(0);
    const liveOctober = await storeTotal('2026-10-01', '2026-11-01');
    const frozenOctober = picodollars(closed.total.exact);
    expect(liveOctober).not.toBe(frozenOctober);

    // The closed statement has not moved; showback tells the live figures and the pending adjustments.
    const again = await statement(['--period', '2026-10', '--mode', 'chargeback'], repricedConfig);
    expect({ ...again, closed_periods: [] }).toEqual({ ...closed, closed_periods: [] });
    expect(again.closed_periods).toEqual([expect.objectContaining({ statement_id: 'team-2026-10', changed_since_close: true })]);
    const showback = await statement(['--period', '2026-10'], repricedConfig);
    expect(picodollars(showback.total.exact)).toBe(liveOctober);
    expect(showback.adjustments.map((line) => line.statement_id)).toEqual(['team-2026-10', 'team-2026-10']);

    // November's chargeback carries October's change, per team: live − frozen.
    const november = await statement(['--period', '2026-11', '--mode', 'chargeback'], repricedConfig);
    expect(november.statement_id).toBe('team-2026-11');
    expect(linesTotal(november)).toBe(await storeTotal('2026-11-01', '2026-12-01'));
    const liveByTeam = new Map(showback.lines.map((line) => [line.group, picodollars(line.total.exact)]));
    for (const adjustment of november.adjustments) {
      const frozen = closed.lines.find((line) => line.group === adjustment.group)!;
      expect(adjustment).toMatchObject({ statement_id: 'team-2026-10', period: '2026-10' });
      expect(picodollars(adjustment.total.exact)).toBe(liveByTeam.get(adjustment.group)! - picodollars(frozen.total.exact));
    }
    expect(november.adjustments.map((line) => line.group)).toEqual(['a', 'b']);
    expect(picodollars(november.adjustments_total.exact)).toBe(liveOctober - frozenOctober);
    expect(picodollars(november.due.exact)).toBe(picodollars(november.total.exact) + liveOctober - frozenOctober);

    // Carried once: nothing is pending any more, and November's statement reads back as it was closed.
    expect((await statement(['--period', '2026-11'], repricedConfig)).adjustments).toEqual([]);
    const reread = await statement(['--period', '2026-11', '--mode', 'chargeback'], repricedConfig);
    expect(reread.adjustments).toEqual(november.adjustments);
  });

  it('refuses to close a period overlapping a closed one, or one that has not ended, naming the periods', async () => {
    const overlap = await cli(['statement', '--db', db, '--period', '2026-W45', '--mode', 'chargeback']);
    expect(overlap.code).toBe(2);
    expect(overlap.err).toContain('cannot close 2026-W45 (2026-11-02 to 2026-11-09) by team: it overlaps 2026-11 (2026-11-01 to 2026-12-01), closed as team-2026-11');
    const open = await cli(['statement', '--db', db, '--period', '2026-12', '--mode', 'chargeback']);
    expect(open.code).toBe(2);
    expect(open.err).toContain('2026-12 has not ended');
    // Another tag keeps its own ledger.
    expect((await statement(['--period', '2026-W45', '--by', 'feature', '--mode', 'chargeback'])).statement_id).toBe('feature-2026-W45');
  });

  it('writes CSV and a printable HTML page carrying the same exact figures', async () => {
    const json = await statement(['--period', '2026-11', '--mode', 'chargeback']);
    const csvFile = join(directory, 'november.csv');
    expect((await cli(['statement', '--db', db, '--period', '2026-11', '--mode', 'chargeback', '--format', 'csv', '--out', csvFile])).code).toBe(0);
    const [head, ...rows] = readFileSync(csvFile, 'utf8').trim().split('\n').map((line) => line.split(','));
    const column = (name: string) => head!.indexOf(name);
    const ofKind = (kind: string) => rows.filter((row) => row[column('kind')] === kind);
    expect(ofKind('group').map((row) => row[column('group')])).toEqual(json.lines.map((line) => line.group));
    const groupsTotal = ofKind('group').reduce((sum, row) => sum + picodollars(row[column('total_usd')]!), 0n);
    const adjustmentsTotal = ofKind('adjustment').reduce((sum, row) => sum + picodollars(row[column('total_usd')]!), 0n);
    expect(groupsTotal).toBe(picodollars(json.total.exact));
    expect(groupsTotal + adjustmentsTotal).toBe(picodollars(ofKind('total')[0]![column('total_usd')]!));

    const html = (await cli(['statement', '--db', db, '--period', '2026-11', '--mode', 'chargeback', '--format', 'html'])).out;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>Chargeback statement — 2026-11 by team</title>');
    expect(html).toContain('@media print');
    // Self-contained: no script, stylesheet link or image to fetch.
    expect(html).not.toMatch(/<script|<link|<img|src=|href=/i);
    // The lines' table comes before the adjustments' (under an <h2>).
    const amounts = [...html.split('<h2>')[0]!.matchAll(/<tr>.*?<\/tr>/g)].map((row) => row[0]).filter((row) => json.lines.some((line) => row.includes(`<td>${line.group}</td>`)));
    const lineTotals = amounts.map((row) => [...row.matchAll(/data-amount="([^"]+)"/g)].map((match) => match[1]!)[2]!);
    expect(lineTotals).toEqual(json.lines.map((line) => line.total.exact));
    expect(html).toContain(`data-amount="${json.due.exact}"`);
  });

  it('refuses fixed shares that do not sum to 1, naming the config file, line and field', async () => {
    const bad = join(directory, 'bad-shares.yaml');
    writeFileSync(bad, 'statements:\n  allocation:\n    team:\n      rule:\n        fixed: { a: 0.6, b: 0.3 }\n');
    const result = await cli(['statement', '--db', db, '--period', '2026-11'], bad);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${bad}:5: statements.allocation.team.rule.fixed: shares must sum to 1, they sum to 0.9`);
  });

  it('prints a table with the shared cost, the lines and what is due', async () => {
    const result = await cli(['statement', '--db', db, '--period', '2026-11', '--mode', 'chargeback']);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('chargeback statement team-2026-11: 2026-11');
    expect(result.out).toMatch(/│ a +│/);
    expect(result.out).toContain('adjustments to closed periods:');
    expect(result.out).toContain('closed periods of team: 2026-10 (team-2026-10, changed since), 2026-11 (team-2026-11)');
  });
});
