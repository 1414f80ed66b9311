import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsCheckJson } from '../core/governance/alerts/fired-alert-json.js';
import { createTestReportStore, type TestReportStore } from '../store/duckdb/report-test-store.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

let store: TestReportStore;

// Today (2026-12-02) support-faq costs $70 against $100 of revenue ($3,100 in December, a day's share of it), a 30% margin; search $10 against $100.
beforeAll(async () => {
  store = await createTestReportStore();
  await store.addCalls([
    { ts: '2026-12-02T08:00:00Z', feature: 'support-faq', userId: 'u1', costUsd: 70 },
    { ts: '2026-12-02T09:00:00Z', feature: 'search', userId: 'u2', costUsd: 10 },
  ]);
  await store.addRevenue('u1', 3100, '2026-12-02T10:00:00Z', { feature: 'support-faq' });
  await store.addRevenue('u2', 3100, '2026-12-02T10:00:00Z', { feature: 'search' });
  store.close();
});
afterAll(() => store.dispose());

function configure(alerts: unknown[]): void {
  writeFileSync(join(store.directory, 'unitcost.config.json'), JSON.stringify({ alerts }));
}

async function run(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, { directory: store.directory, now: () => new Date('2026-12-02T12:00:00Z') });
  return { code, out: io.out(), err: io.err() };
}

const margin = (below: number) => ({ name: 'feature-margin', kind: 'kpi_threshold', kpi: 'inference_margin', per: 'feature', below });

describe('unitcost alerts check', () => {
  it('prints what fires and exits 1 for cron when a warning fires', async () => {
    configure([margin(0.4)]);
    const { code, out, err } = await run('alerts', 'check', '--db', store.path);
    expect(err).toBe('');
    expect(code).toBe(1);
    expect(out).toContain('as of 2026-12-02T12:00:00.000Z: 0 critical, 1 warning, 0 info');
    expect(out).toContain('WARNING feature-margin: support-faq: inference margin 30% today, under 40%');
    expect(out).toContain('key kpi:feature-margin:feature=support-faq:2026-12-02');
    expect(out).not.toContain('search');
  });

  it('exits 0 when nothing fires, and prints the same alerts as JSON', async () => {
    configure([margin(0.25)]);
    const quiet = await run('alerts', 'check', '--db', store.path);
    expect(quiet).toMatchObject({ code: 0, out: 'as of 2026-12-02T12:00:00.000Z: no alerts\n' });
    configure([margin(0.4)]);
    const { code, out } = await run('alerts', 'check', '--json', '--at', '2026-12-02', '--db', store.path);
    expect(code).toBe(1);
    const check = JSON.parse(out) as AlertsCheckJson;
    expect(check.at).toBe('2026-12-02T23:59:59.999Z');
    expect(check.alerts.map((alert) => [alert.key, alert.kind, alert.severity, alert.value])).toEqual([['kpi:feature-margin:feature=support-faq:2026-12-02', 'kpi_threshold', 'warning', 0.3]]);
  });

  it('exits 2 on bad input: a bad --at, a rule with an unknown scope', async () => {
    configure([margin(0.4)]);
    const badAt = await run('alerts', 'check', '--at', 'yesterday', '--db', store.path);
    expect(badAt.code).toBe(2);
    expect(badAt.err).toContain('at must be a date such as 2026-03-01');
    configure([{ ...margin(0.4), per: 'customer' }]);
    const badRule = await run('alerts', 'check', '--db', store.path);
    expect(badRule.code).toBe(2);
    expect(badRule.err).toMatch(/unitcost\.config\.json:\d+: alerts\[0\]\.per: must be one of feature/);
  });

  it('documents its exit codes for cron', async () => {
    const { out } = await run('alerts', 'check', '--help');
    expect(out).toMatch(/0 {2}nothing fired[\s\S]*1 {2}a warning or critical alert fired[\s\S]*2 {2}bad input/);
  });
});
