import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillReportFixture } from '../store/duckdb/report-fixture.js';
import { narrowedReportJson } from '../testing/narrowed-report-json.js';
import { createTestReportStore, type TestReportStore } from '../store/duckdb/report-test-store.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

let store: TestReportStore;

beforeAll(async () => {
  store = await createTestReportStore();
  await fillReportFixture(store);
  store.close();
  writeFileSync(join(store.directory, 'unitcost.config.json'), JSON.stringify({ plans: { pro: { seat_price_usd_per_month: 20 }, free: { seat_price_usd_per_month: 0 } } }));
});
afterAll(() => store.dispose());

async function run(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, { directory: store.directory, now: () => new Date('2026-03-10T00:00:00Z') });
  return { code, out: io.out(), err: io.err() };
}

const week = ['--from', '2026-03-02', '--to', '2026-03-09'];

describe('unitcost report', () => {
  it('prints a table per feature with totals, the unpriced calls and the Pareto view', async () => {
    const { code, out, err } = await run('report', '--db', store.path, ...week);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('usage 2026-03-02 → 2026-03-08, compared with 2026-02-23 → 2026-03-01');
    expect(out).toMatch(/│ chat\s+│\s+5 │\s+\$0\.50 │\s+\+900\.0% │\s+\$0\.10 │\s+\$0\.25 │\s+2 │\s+\$1\.11 │\s+\$5\.19 │\s+90\.4% │/);
    expect(out).toMatch(/│ search\s+│\s+2 │\s+\$0\.50\* │/);
    expect(out).toMatch(/│ total\s+│\s+7 │\s+\$1\.00\* │/);
    expect(out).toContain('* cost leaves out 1 unpriced calls (700 input, 50 output tokens) of mystery-model (1)');
    expect(out).toContain('Pareto: 2 of 3 request types (feature × model) make 80.0% of spend');
    expect(out).toMatch(/search × budget-model\s+\$0\.50\s+50\.0% \(cumulative 50\.0%\)/);
  });

  it('lists only the costliest rows with --top, saying how many rows the whole report has', async () => {
    const every = JSON.parse((await run('report', '--db', store.path, ...week, '--by', 'user_id', '--json')).out);
    const { code, out } = await run('report', '--db', store.path, ...week, '--by', 'user_id', '--top', '1', '--json');
    expect(code).toBe(0);
    const top = JSON.parse(out);
    expect(top.rows).toEqual(every.rows.slice(0, 1));
    expect(top.totals).toEqual(every.totals);
    expect(top).toMatchObject({ top: 1, group_count: every.rows.filter((row: { calls: number }) => row.calls > 0).length });
    expect((await run('report', '--db', store.path, ...week, '--by', 'user_id', '--top', '1')).out).toContain(`the 1 costliest rows of ${top.group_count} with calls; the total is over every one`);
    const refused = await run('report', '--db', store.path, '--top', 'all');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('--top must be a whole number of rows');
  });

  it('narrows each row to --fields: the full report\'s rows and values, only those measures, in JSON, CSV and the table', async () => {
    const fields = ['calls', 'cost_usd', 'revenue_usd', 'cost_per_active_user_month_usd'] as const;
    const every = JSON.parse((await run('report', '--db', store.path, ...week, '--by', 'user_id', '--json')).out);
    const narrowed = await run('report', '--db', store.path, ...week, '--by', 'user_id', '--fields', fields.join(','), '--json');
    expect(narrowed.code).toBe(0);
    expect(JSON.stringify(JSON.parse(narrowed.out))).toBe(JSON.stringify(narrowedReportJson(every, fields)));
    const csv = (await run('report', '--db', store.path, ...week, '--by', 'user_id', '--fields', 'cost_usd,calls', '--csv')).out.split('\n');
    expect(csv[0]).toBe('user_id,cost_usd,calls,cost_usd_change,calls_change');
    expect(csv).toHaveLength(every.rows.length + 2);
    const table = (await run('report', '--db', store.path, ...week, '--by', 'user_id', '--fields', 'calls,cost_usd')).out;
    expect(table).toMatch(/│ user_id\s+│ calls │ cost_usd │\s+Δ cost │\n/);
    expect(table).toMatch(/│ total\s+│\s+7 │\s+\$1\.00 │/);
    expect(table).not.toContain('margin');
    const refused = await run('report', '--db', store.path, '--fields', 'calls,cost_per_user');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('--fields cannot use "cost_per_user"');
    expect(refused.err).toContain('did you mean: cost_per_active_user_month_usd');
    expect((await run('report', '--help')).out).toMatch(/--fields <measures>[\s\S]*--fields calls,cost_usd,cost_per_active_user_month_usd,revenue_usd/);
  });

  it('prints JSON rows with their keys and measures under stable snake_case names', async () => {
    const { code, out } = await run('report', '--db', store.path, ...week, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.window).toEqual({ from: '2026-03-02', to: '2026-03-09' });
    const chat = report.rows[0];
    expect(chat).toMatchObject({
      feature: 'chat',
      calls: 5,
      cost_usd: 0.5,
      cost_usd_exact: '0.5',
      cost_per_call_usd: 0.1,
      successful_tasks: 2,
      cost_per_successful_task_usd: 0.25,
      active_users: 2,
      output_input_ratio: 600 / 4500,
      prompt_cache_hit_rate: 400 / 4500,
      response_cache_hit_rate: 0.5,
      frontier_call_share: 0.4,
      unpriced_calls: 0,
    });
    // u1's $20 seat and $3 record of March, attributed to chat, 7 of March's 31 days.
    expect(chat.revenue_usd).toBeCloseTo(4.516129032258 + 0.677419354838, 12);
    expect(chat.inference_margin).toBeCloseTo((5.193548387096 - 0.5) / 5.193548387096, 12);
    expect(chat.cost_per_active_user_month_usd).toBeCloseTo(0.5 / (14 / 31), 12);
    expect(chat.previous).toMatchObject({ calls: 1, cost_usd: 0.05, prompt_cache_hit_rate: 0.8 });
    expect(chat.change.cost_usd).toBeCloseTo(9, 12);
    expect(chat.change.prompt_cache_hit_rate).toBeCloseTo(400 / 4500 - 0.8, 12);
    expect(report.rows[1]).toMatchObject({ feature: 'search', unpriced_calls: 1, unpriced_input_tokens: 700, cost_usd: 0.5 });
    expect(report.totals).toMatchObject({ calls: 7, cost_usd: 1, successful_tasks: 3, active_users: 3 });
    expect(report.unpriced).toEqual({ calls: 1, input_tokens: 700, output_tokens: 50, models: [{ model: 'mystery-model', calls: 1 }] });
    expect(report.pareto.request_types.map((type: { feature: string; model: string; cumulative_share: number; in_cut: boolean }) => [type.feature, type.model, type.cumulative_share, type.in_cut])).toEqual([
      ['search', 'budget-model', 0.5, true],
      ['chat', 'frontier-model', 0.9, true],
      ['chat', 'budget-model', 1, false],
    ]);
    for (const name of Object.keys(chat)) expect(name).toMatch(/^[a-z0-9_]+$/);
  });

  it('prints CSV with a header of measure names and a row per group and period', async () => {
    const { code, out } = await run('report', '--db', store.path, ...week, '--by', 'feature', '--period', 'week', '--csv');
    expect(code).toBe(0);
    const [header, ...lines] = out.trimEnd().split('\n');
    expect(header!.startsWith('feature,period_start,period_end,calls,priced_calls,unpriced_calls,')).toBe(true);
    expect(header).toContain(',cost_per_successful_task_usd,');
    expect(header).toContain(',cost_usd_change,');
    const columns = header!.split(',');
    const chat = lines[0]!.split(',');
    expect(chat[columns.indexOf('feature')]).toBe('chat');
    expect(chat[columns.indexOf('period_start')]).toBe('2026-03-02');
    expect(chat[columns.indexOf('calls')]).toBe('5');
    expect(chat[columns.indexOf('cost_per_successful_task_usd')]).toBe('0.25');
  });

  it('groups by several dimensions and filters by a tag', async () => {
    const { code, out } = await run('report', '--db', store.path, ...week, '--by', 'model,team', '--where', 'team=a', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out).rows.map((row: { model: string; team: string; calls: number }) => [row.model, row.team, row.calls])).toEqual([
      ['frontier-model', 'a', 2],
      ['budget-model', 'a', 3],
    ]);
  });

  it('treats SQL in a --where value as a value and refuses SQL in a name', async () => {
    const injected = await run('report', '--db', store.path, ...week, '--where', "feature=chat' OR '1'='1");
    expect(injected.code).toBe(0);
    expect(injected.out).toContain('no usage matches');
    const badName = await run('report', '--db', store.path, '--where', 'feature=1 OR 1=1; DROP TABLE usage_events; --=x', '--by', 'feature;drop');
    expect(badName.code).toBe(2);
    expect(badName.err).toContain('cannot use "feature;drop"');
    const still = await run('report', '--db', store.path, ...week, '--json');
    expect(JSON.parse(still.out).totals.calls).toBe(7);
  });

  it('exits 2 on an unknown dimension, a partial day, two formats or a store that does not exist', async () => {
    const unknown = await run('report', '--db', store.path, '--by', 'featur');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('did you mean: feature?');
    const partial = await run('report', '--db', store.path, '--from', '2026-03-02T12:00:00Z');
    expect(partial.code).toBe(2);
    expect(partial.err).toContain('--from must be a whole UTC day');
    const both = await run('report', '--db', store.path, '--json', '--csv');
    expect(both.code).toBe(2);
    const missing = await run('report', '--db', join(store.directory, 'nope.duckdb'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no store at');
  });
});
