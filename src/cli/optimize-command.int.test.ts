import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optimizeDefaults } from '../core/simulate/optimize-levers.js';
import { leverKinds, type OptimizeResult } from '../core/simulate/simulation-result.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-optimize-cli-'));
const db = join(directory, 'demo.duckdb');
const appOptions = { now: () => new Date('2026-03-15T10:00:00Z'), directory: '/nonexistent' };

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, appOptions);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  const demo = await cli('demo', '--events', '4000', '--days', '14', '--db', db);
  expect(demo.code, demo.err).toBe(0);
}, 60_000);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('unitcost optimize: every lever', () => {
  it('ranks fine-tuning and self-hosting with the others, with payback and break-even, and lists plans as not evaluated', async () => {
    const { code, out, err } = await cli('optimize', '--db', db, '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as OptimizeResult;
    // Every lever kind is either ranked or listed with a reason.
    expect([...result.ranked.map((entry) => entry.kind), ...result.skipped.map((entry) => entry.kind)].sort()).toEqual([...leverKinds].sort());
    expect(result.skipped.map((entry) => entry.kind)).toEqual(['plans']);
    const savings = result.ranked.map((entry) => entry.savings_usd_per_month);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
    expect(result.defaults).toEqual(optimizeDefaults);

    const fineTune = result.ranked.find((entry) => entry.kind === 'fine_tune')!;
    expect(fineTune.one_off_usd).toBeGreaterThan(0);
    expect(fineTune.amortized_usd_per_month).toBeCloseTo(fineTune.one_off_usd / optimizeDefaults.fine_tune.amortization_months, 2);
    expect(fineTune.savings_usd_per_month).toBeCloseTo(fineTune.simulated_savings_usd_per_month - fineTune.amortized_usd_per_month, 9);
    expect(fineTune.details[0]!.details).toHaveProperty('payback_days');
    const selfHost = result.ranked.find((entry) => entry.kind === 'self_host')!;
    expect(selfHost.lever).toMatchObject({ levers: [{ self_host: { gpu_usd_per_hour: 2.69, tokens_per_second: 5000, utilization: 0.5, fixed_usd_per_month: 1500 } }] });
    expect(selfHost.details[0]!.details).toHaveProperty('break_even_tokens_per_month');
    expect(selfHost.details[0]!.details).toHaveProperty('passes_break_even');
    // The stack holds exactly the levers that save money alone.
    expect(result.stacked.left_out.sort()).toEqual(result.ranked.filter((entry) => entry.savings_usd_per_month <= 0).map((entry) => entry.kind).sort());
  }, 120_000);

  it('prints every lever, the economics of fine-tuning and self-hosting, and what it did not evaluate', async () => {
    const { code, out } = await cli('optimize', '--db', db);
    expect(code).toBe(0);
    for (const kind of leverKinds.filter((kind) => kind !== 'plans')) expect(out).toMatch(new RegExp(`│ \\d+ │ ${kind}\\s+│`));
    expect(out).toMatch(/training \$[\d,.]+, (pays back in \d+ days|never pays back)/);
    expect(out).toMatch(/break-even .*: recorded volume (passes|does not pass) it/);
    expect(out).toContain('not evaluated: plans — needs your plan prices');
  }, 120_000);

  it('takes its defaults from --defaults FILE', async () => {
    const file = join(directory, 'defaults.yaml');
    writeFileSync(file, 'fine_tune:\n  training_usd: 1200\n  amortization_months: 12\nself_host:\n  gpu_usd_per_hour: 1\n  features: [support-faq]\n');
    const { code, out, err } = await cli('optimize', '--db', db, '--json', '--defaults', file);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as OptimizeResult;
    const fineTune = result.ranked.find((entry) => entry.kind === 'fine_tune')!;
    const tuned = (fineTune.lever as { levers: unknown[] }).levers.length;
    expect(fineTune.one_off_usd).toBe(1200 * tuned);
    expect(fineTune.amortized_usd_per_month).toBe(100 * tuned);
    const selfHost = result.ranked.find((entry) => entry.kind === 'self_host')!;
    expect(selfHost.lever).toMatchObject({ levers: [{ self_host: { feature: ['support-faq'], gpu_usd_per_hour: 1 } }] });
  }, 120_000);

  it('exits 2 with the file, line and field of a bad defaults file', async () => {
    const file = join(directory, 'bad-defaults.yaml');
    writeFileSync(file, 'fine_tune:\n  share: 0.8\nself_host:\n  utilization: 2\n');
    const { code, err } = await cli('optimize', '--db', db, '--defaults', file);
    expect(code).toBe(2);
    expect(err).toContain(`${file}:4: self_host.utilization: must be between 0 and 1`);
  });
});
