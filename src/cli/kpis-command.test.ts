import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillReportFixture } from '../store/duckdb/report-fixture.js';
import { createTestReportStore, type TestReportStore } from '../store/duckdb/report-test-store.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

let store: TestReportStore;
const plans = { pro: { seat_price_usd_per_month: 20 }, free: { seat_price_usd_per_month: 0 } };

beforeAll(async () => {
  store = await createTestReportStore();
  await fillReportFixture(store);
  store.close();
});
afterAll(() => store.dispose());

async function run(config: Record<string, unknown>, ...args: string[]) {
  writeFileSync(join(store.directory, 'unitcost.config.json'), JSON.stringify(config));
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, { directory: store.directory });
  return { code, out: io.out(), err: io.err() };
}

describe('unitcost kpis', () => {
  it('marks every KPI that breaches its threshold, overall and per feature', async () => {
    const { code, out, err } = await run({ plans }, 'kpis', '--db', store.path, '--to', '2026-03-09');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('unit economics, 2026-03-02 → 2026-03-08 (week), against 2026-02-23 → 2026-03-01');
    expect(out).toMatch(/│ inference margin\s+│\s+91\.0% │.*│ margin ≥ 40%\s+│ ok\s+│/);
    expect(out).toMatch(/│ prompt-cache hit rate\s+│\s+4\.9% │\s+80\.0% │\s+−75\.1 pts │ drop ≤ 25 points\s+│ ✗ BREACH │/);
    expect(out).toMatch(/│ frontier share of calls\s+│\s+28\.6% │\s+0\.0% │\s+\+28\.6 pts │ rise ≤ 10 points\s+│ ✗ BREACH │/);
    expect(out).toMatch(/│ response-cache hit rate\s+│\s+50\.0% │\s+— │\s+│ drop ≤ 25 points\s+│ no data\s+│/);
    expect(out).toMatch(/│ chat\s+│.*8\.9% −71\.1 pts !.*40\.0% \+40\.0 pts ! │ ✗ BREACH ×2 │/);
    expect(out).toMatch(/│ search\s+│.*│ ok\s+│/);
    expect(out).toContain('4 breaches');
  });

  it('prints the checks as JSON', async () => {
    const { code, out } = await run({ plans }, 'kpis', '--db', store.path, '--to', '2026-03-09', '--json');
    expect(code).toBe(0);
    const dashboard = JSON.parse(out);
    expect(dashboard).toMatchObject({ period: 'week', window: { from: '2026-03-02', to: '2026-03-09' }, breaches: 4, revenue_tracked: true });
    // Plan and record revenue of the week (7 of March's 31 days) over 3 users × 7/31 user-months.
    expect(dashboard.arpu_usd).toBeCloseTo((9.032258064516 + 2.032258064516) / (21 / 31), 9);
    const statuses = Object.fromEntries(dashboard.overall.checks.map((check: { kpi: string; status: string }) => [check.kpi, check.status]));
    expect(statuses).toEqual({
      inference_margin: 'ok',
      cost_per_active_user_month: 'ok',
      prompt_cache_hit_rate: 'breach',
      response_cache_hit_rate: 'no_data',
      frontier_call_share: 'breach',
    });
    expect(dashboard.features[0]).toMatchObject({ feature: 'chat', measures: { calls: 5 } });
  });

  it('takes its thresholds from the config', async () => {
    const { out } = await run({ plans, kpi_thresholds: { max_frontier_share_rise_points: 50, min_inference_margin: 0.95 } }, 'kpis', '--db', store.path, '--to', '2026-03-09', '--json');
    const dashboard = JSON.parse(out);
    const overall = Object.fromEntries(dashboard.overall.checks.map((check: { kpi: string; status: string }) => [check.kpi, check.status]));
    expect(overall).toMatchObject({ frontier_call_share: 'ok', inference_margin: 'breach' });
    expect(dashboard.thresholds).toMatchObject({ min_inference_margin: 0.95, max_frontier_share_rise: 0.5 });
  });

  it('says margin needs revenue when no plan is configured and no revenue recorded', async () => {
    const { code, out } = await run({}, 'kpis', '--db', store.path, '--to', '2026-03-09', '--period', 'month');
    expect(code).toBe(0);
    expect(out).toContain('(month)');
  });

  it('exits 2 on an unknown period', async () => {
    const { code, err } = await run({}, 'kpis', '--db', store.path, '--period', 'year');
    expect(code).toBe(2);
    expect(err).toContain('--period must be one of day, week, month');
  });

  it('gives the KPIs of the calls --where keeps, as report --where counts them over the same window, and says so', async () => {
    const whole = JSON.parse((await run({ plans }, 'kpis', '--db', store.path, '--to', '2026-03-09', '--json')).out);
    const filtered = await run({ plans }, 'kpis', '--db', store.path, '--to', '2026-03-09', '--where', 'feature=search', '--json');
    expect(filtered.code).toBe(0);
    const dashboard = JSON.parse(filtered.out);
    const report = JSON.parse((await run({ plans }, 'report', '--db', store.path, '--from', '2026-03-02', '--to', '2026-03-09', '--where', 'feature=search', '--json')).out);
    expect(dashboard.overall.measures.calls).toBeGreaterThan(0);
    expect(dashboard.overall.measures.calls).toBeLessThan(whole.overall.measures.calls);
    for (const measure of ['calls', 'cost_usd', 'active_users', 'prompt_cache_hit_rate']) {
      expect(dashboard.overall.measures[measure], measure).toEqual(report.totals[measure]);
    }
    expect(dashboard.features.map((feature: { feature: string }) => feature.feature)).toEqual(['search']);
    const text = await run({ plans }, 'kpis', '--db', store.path, '--to', '2026-03-09', '--where', 'feature=search');
    expect(text.out.split('\n')[0]).toBe('only calls with feature=search');
    const bad = await run({ plans }, 'kpis', '--db', store.path, '--where', 'teem=search');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--where cannot use "teem"');
  });
});
