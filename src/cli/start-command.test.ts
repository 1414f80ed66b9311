import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

describe('unitcost start', () => {
  it('prints the worked support-assistant estimate with a verdict', async () => {
    const io = captureIo();
    const code = await runCli(['node', 'unitcost', 'start', '--json'], io, { now: () => new Date('2026-11-01T00:00:00Z'), directory: '/nonexistent' });
    expect(code).toBe(0);
    const report = JSON.parse(io.out());
    expect(report.features.length).toBeGreaterThan(0);
    expect(report.per_user_month_usd).toBeGreaterThan(0);
    expect(['viable', 'at_risk', 'unviable']).toContain(report.verdict);
  });
});
