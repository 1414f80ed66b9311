import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optimizeDefaults } from '../core/simulate/optimize-levers.js';
import { leverKinds, type OptimizeResult, type SimulationResult } from '../core/simulate/simulation-result.js';
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
  it('ranks fine-tuning and self-hosting with the others, with payback and break-even, lists batch as not evaluated and evaluates plans', async () => {
    const { code, out, err } = await cli('optimize', '--db', db, '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as OptimizeResult;
    // Every lever kind is either ranked, listed with a reason, or (plans, which change revenue) evaluated beside the ranking.
    expect([...result.ranked.map((entry) => entry.kind), ...result.skipped.map((entry) => entry.kind), ...(result.plans ? ['plans'] : [])].sort()).toEqual([...leverKinds].sort());
    expect(result.skipped.map((entry) => entry.kind)).toEqual(['price_change']);
    // The plan unitcost plans recommends, per demo tier, and the margin it gives: at least the 70% target.
    expect(result.plans!.tiers.map((tier) => tier.user_tier)).toContain('pro');
    const pro = result.plans!.tiers.find((tier) => tier.user_tier === 'pro')!;
    expect(pro.price_usd).toBeGreaterThan(0);
    expect(pro.margin_with_plan!).toBeGreaterThanOrEqual(0.7);
    expect(pro.margin_now).not.toBeNull();
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
    // Every ranked lever is either stacked or left out with why; none that loses money alone is stacked.
    expect([...result.stacked.kinds, ...result.stacked.left_out].sort()).toEqual(result.ranked.map((entry) => entry.kind).sort());
    expect(result.stacked.left_out_reasons.map((entry) => entry.kind)).toEqual(result.stacked.left_out);
    for (const entry of result.ranked.filter((ranked) => ranked.savings_usd_per_month <= 0)) expect(result.stacked.left_out).toContain(entry.kind);
    expect(result.stacked.savings_usd_per_month).toBeGreaterThanOrEqual(savings[0]!);
  }, 120_000);

  it('prints every lever, the economics of fine-tuning and self-hosting, and what it did not evaluate', async () => {
    const { code, out } = await cli('optimize', '--db', db);
    expect(code).toBe(0);
    for (const kind of leverKinds.filter((kind) => kind !== 'plans' && kind !== 'price_change')) expect(out).toMatch(new RegExp(`│ \\d+ │ ${kind}\\s+│`));
    expect(out).toMatch(/training \$[\d,.]+, (pays back in \d+ days|never pays back)/);
    expect(out).toMatch(/break-even .*: recorded volume (passes|does not pass) it/);
    expect(out).toContain('not evaluated: price_change (batch) — no feature is marked as tolerant of delay (batch answers arrive within 24 h, not at once): set price_change.batch_tolerant_features in --defaults');
    expect(out).not.toContain('not evaluated: plans');
    expect(out).toMatch(/plans \(unitcost plans, target margin 70\.0%; they change revenue, not cost\):\n(  \w+: .*\n)*  pro: \$[\d,.]+\/mo with [\d,]+ calls, then \$[\d.]+ per call: margin [\d.]+% → [\d.]+%, users at a loss \d+ → \d+\n/);
    expect(out).toMatch(/left out: self_host — loses \$[\d,.]+\/mo alone/);
  }, 120_000);

  it('evaluates the batch discount only on the features marked as tolerant of delay, as an upper bound with its latency', async () => {
    const file = join(directory, 'batch-defaults.yaml');
    writeFileSync(file, 'price_change:\n  batch_tolerant_features: [doc-summarizer]\n');
    const { code, out, err } = await cli('optimize', '--db', db, '--json', '--defaults', file);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as OptimizeResult;
    const batch = result.ranked.find((entry) => entry.kind === 'price_change')!;
    expect(batch.lever).toEqual({ levers: [{ price_change: { batch: { feature: ['doc-summarizer'], discount: 0.5 } } }] });
    expect(batch.label).toBe('prices, batch discount 50% on doc-summarizer');
    expect(batch.upper_bound).toBe(true);
    expect(batch.risk.calls_delayed).toBe(batch.calls_touched);
    expect(batch.calls_touched).toBeGreaterThan(0);
    expect(result.skipped).toEqual([]);
    // The other features' calls are not batched: the saving is at most half of doc-summarizer's cost, not of everything.
    expect(batch.savings_percent!).toBeLessThan(0.5);

    const text = await cli('optimize', '--db', db, '--defaults', file);
    expect(text.out).toMatch(/│ \d+ │ price_change\s+│\s+≤ \$[\d,.]+ │\s+≤ [\d.]+% │.*answered up to 24 h later \(batch\)/);
    expect(text.out).toContain('an upper bound: every call of doc-summarizer moved to the batch API; their answers arrive within 24 h, not at once');
  }, 120_000);

  it('stacks no lever that lowers the stack: with data where stacking every lever that saves alone was worse than the best of them', async () => {
    // Every feature batched at half price, and a response cache answering 90% of calls for $0.01 a look-up:
    // alone it saves, but on top of the batch discount and the route its look-ups cost more than its hits save.
    const file = join(directory, 'interacting-defaults.yaml');
    writeFileSync(file, 'price_change: { batch_tolerant_features: [coding-agent, doc-summarizer, intent-classifier, support-faq] }\nresponse_cache: { hit_rate: 0.9, embedding_usd_per_lookup: 0.01 }\n');
    const { code, out, err } = await cli('optimize', '--db', db, '--json', '--defaults', file);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as OptimizeResult;
    const best = result.ranked[0]!;
    const cache = result.ranked.find((entry) => entry.kind === 'response_cache')!;
    expect(cache.savings_usd_per_month).toBeGreaterThan(0);

    // The old stack (every lever that saves alone) saves less than the best lever alone on this data…
    const oldStack = join(directory, 'old-stack.yaml');
    writeFileSync(oldStack, JSON.stringify({ name: 'every lever that saves alone', levers: result.ranked.filter((entry) => entry.savings_usd_per_month > 0).flatMap((entry) => (entry.lever as { levers: unknown[] }).levers) }));
    const replayed = await cli('simulate', '--scenario', oldStack, '--db', db, '--json');
    expect(replayed.code, replayed.err).toBe(0);
    expect((JSON.parse(replayed.out) as SimulationResult).total.savings_usd_per_month).toBeLessThan(best.savings_usd_per_month);

    // …the stack now starts from the best lever and leaves the response cache out, saying what it would cost.
    expect(result.stacked.kinds[0]).toBe(best.kind);
    expect(result.stacked.savings_usd_per_month).toBeGreaterThanOrEqual(best.savings_usd_per_month);
    expect(result.stacked.upper_bound).toBe(true);
    const leftOut = result.stacked.left_out_reasons.find((entry) => entry.kind === 'response_cache')!;
    expect(leftOut.stack_change_usd_per_month!).toBeLessThan(0);
    expect(leftOut.reason).toMatch(/^saves \$[\d,.]+\/mo alone, but on top of .* it costs more than it saves/);
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
