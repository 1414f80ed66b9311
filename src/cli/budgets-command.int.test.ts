import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../core/kpi/report-periods.js';
import { createTestReportStore, type TestReportStore } from '../store/duckdb/report-test-store.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

let store: TestReportStore;

// Support has spent $10 a day since November 4th and $5 this morning; search started this morning with $1.
beforeAll(async () => {
  store = await createTestReportStore();
  const days = Array.from({ length: 28 }, (_, index) => addDays('2026-11-04', index));
  await store.addCalls(days.map((day) => ({ ts: `${day}T12:00:00Z`, team: 'support', costUsd: 10 })));
  await store.addCalls([
    { ts: '2026-12-02T06:00:00Z', team: 'support', costUsd: 5 },
    { ts: '2026-12-02T07:00:00Z', team: 'search', costUsd: 1 },
  ]);
  store.close();
  writeFileSync(
    join(store.directory, 'unitcost.config.json'),
    JSON.stringify({
      budgets: [
        { name: 'support-monthly', per: 'team', equals: 'support', period: 'month', limit_usd: 200, mode: 'soft' },
        { name: 'company-weekly', period: 'week', limit_usd: 1000, mode: 'hard', alert_at: [0.02, 0.5] },
        { name: 'team-daily', per: 'team', period: 'day', limit_usd: 4, mode: 'soft' },
      ],
    }),
  );
});
afterAll(() => store.dispose());

async function run(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, { directory: store.directory, now: () => new Date('2026-12-02T12:00:00Z') });
  return { code, out: io.out(), err: io.err() };
}

describe('unitcost budgets', () => {
  it('prints each budget with its spend, forecast and the day it will be breached', async () => {
    const { code, out, err } = await run('budgets', '--db', store.path);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('as of 2026-12-02T12:00:00.000Z');
    expect(out).toContain('support-monthly: team=support, $200.00 a month (soft), 2026-12-01 → 2026-12-31');
    // $15 so far; $5 more today and $10 on each of the 29 days left: $310, reaching $200 on December 20th.
    expect(out).toMatch(/│ support\s+│\s+\$15\.00 │\s+\$200\.00 │\s+\$185\.00 │\s+7\.5% │\s+\$310\.00 \(\$310\.00–\$310\.00\) │ on 2026-12-20 │/);
    expect(out).toContain('company-weekly: all spend, $1,000.00 a week (hard), 2026-11-30 → 2026-12-06');
    expect(out).toMatch(/│ all\s+│\s+\$26\.00 │.*│ 2%\s+│/);
  });

  it('keeps a budget per tag for each value, most spent first, and flags the one already over', async () => {
    const { out } = await run('budgets', '--db', store.path);
    const section = out.slice(out.indexOf('team-daily'));
    expect(section).toContain('team-daily: each team, $4.00 a day (soft), 2026-12-02');
    expect(section).toMatch(/│ support\s+│\s+\$5\.00 │\s+\$4\.00 │\s+-\$1\.00 │\s+125\.0% │.*│ breached 2026-12-02 │ 50% 80% 100%\s+│/);
    expect(section.indexOf('support')).toBeLessThan(section.indexOf('search'));
  });

  it('prints the JSON GET /v1/budgets answers with', async () => {
    const { code, out } = await run('budgets', '--db', store.path, '--json');
    expect(code).toBe(0);
    const status = JSON.parse(out);
    expect(status.budgets.map((budget: { name: string }) => budget.name)).toEqual(['support-monthly', 'company-weekly', 'team-daily']);
    expect(status.budgets[0].scopes).toEqual([
      {
        value: 'support',
        window: { from: '2026-12-01', to: '2027-01-01' },
        limit_usd: 200,
        spent_usd: 15,
        spent_usd_exact: '15',
        remaining_usd: 185,
        used_share: 0.075,
        forecast: { basis: 'weekday-profile', end_usd: 310, low_usd: 310, high_usd: 310 },
        breach: { day: '2026-12-20', already: false },
        alert_points_reached: [],
      },
    ]);
    // Search has no history: its forecast is today's rate so far, $1 in the 12 hours since midnight.
    const search = status.budgets[2].scopes.find((scope: { value: string }) => scope.value === 'search');
    expect(search.forecast.basis).toBe('today-run-rate');
  });

  it('looks back at the end of an earlier day with --at', async () => {
    const { out } = await run('budgets', '--db', store.path, '--at', '2026-11-30', '--json');
    const monthly = JSON.parse(out).budgets[0].scopes[0];
    expect(monthly.window).toEqual({ from: '2026-11-01', to: '2026-12-01' });
    // November 4th to 30th: 27 days at $10, the limit reached on November 23rd.
    expect(monthly.spent_usd).toBe(270);
    expect(monthly.breach).toEqual({ day: '2026-11-23', already: true });
  });

  it('teaches the configuration in its help', async () => {
    const { code, out } = await run('budgets', '--help');
    expect(code).toBe(0);
    expect(out).toContain('budgets:');
    expect(out).toContain('alert_at: [0.5, 0.8, 1]');
  });
});
