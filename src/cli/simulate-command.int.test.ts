import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OptimizeResult, SimulationResult } from '../core/simulate/simulation-result.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-cli-'));
const db = join(directory, 'demo.duckdb');
const appOptions = { now: () => new Date('2026-03-15T10:00:00Z'), directory: '/nonexistent' };
const example = resolve(import.meta.dirname, '../../examples/what-if.yaml');

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, appOptions);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  const demo = await cli('demo', '--events', '8000', '--days', '20', '--db', db);
  expect(demo.code, demo.err).toBe(0);
}, 60_000);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('unitcost simulate', () => {
  it('replays the example scenario on demo data, as JSON with the report\'s measure names', async () => {
    const { code, out, err } = await cli('simulate', '--scenario', example, '--db', db, '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as SimulationResult;
    expect(result.scenario.levers).toEqual(['route', 'route', 'response_cache', 'output_cap', 'session_limit', 'price_change', 'fine_tune', 'self_host']);
    expect(result.total.savings_usd_per_month).toBeGreaterThan(0);
    expect(result.total.scenario.cost_usd).toBeLessThan(result.total.baseline.cost_usd!);
    for (const lever of result.levers) expect(lever.calls_touched, lever.label).toBeGreaterThan(0);
    expect(result.features[0]!.delta.cost_usd).toBeCloseTo(result.features[0]!.scenario.cost_usd! - result.features[0]!.baseline.cost_usd!, 9);
  });

  it('prints a table per feature and tier, and each lever with its risk', async () => {
    const { code, out } = await cli('simulate', '--scenario', example, '--db', db);
    expect(code).toBe(0);
    expect(out).toContain('what if: cheaper agent, cached support, shorter summaries');
    expect(out).toMatch(/│ total\s+│/);
    expect(out).toContain('users at a loss');
    expect(out).toMatch(/cap output at 600 tokens on doc-summarizer\s+│\s+[\d,]+ │\s+\d+ │ [\d,]+ truncated/);
    expect(out).toContain('payback');
  });

  it('exits 2 with the file, line and field of a bad scenario', async () => {
    const bad = join(directory, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nlevers:\n  - prompt_cache: { feature: support-faq, prefix_tokens: 100, hit_rate: 70 }\n');
    const { code, err } = await cli('simulate', '--scenario', bad, '--db', db);
    expect(code).toBe(2);
    expect(err).toContain(`${bad}:3: levers[0].prompt_cache.hit_rate: must be between 0 and 1`);
  });

  it('says so when the window holds no call', async () => {
    const { code, err } = await cli('simulate', '--scenario', example, '--db', db, '--from', '2020-01-01', '--to', '2020-01-08');
    expect(code).toBe(2);
    expect(err).toContain('no recorded calls between 2020-01-01 and 2020-01-08');
  });
});

describe('unitcost optimize', () => {
  it('ranks each default lever by $/month saved, then stacks them', async () => {
    const { code, out, err } = await cli('optimize', '--db', db, '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as OptimizeResult;
    const savings = result.ranked.map((entry) => entry.savings_usd_per_month);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
    expect(result.ranked.map((entry) => entry.kind)).toEqual(expect.arrayContaining(['route', 'prompt_cache', 'output_cap', 'prompt_trim', 'session_limit']));
    expect(result.ranked.find((entry) => entry.kind === 'output_cap')!.risk.calls_truncated).toBeGreaterThan(0);
    expect(result.stacked.savings_usd_per_month).toBeGreaterThanOrEqual(savings[0]!);
    // No feature is marked as tolerant of delay: the batch discount is not assumed. Plans change revenue, not
    // cost: they are evaluated beside the ranking (when calls carry a user tier and id), never skipped silently.
    expect(result.skipped.map((entry) => entry.kind)).toEqual(result.plans === undefined ? ['price_change', 'plans'] : ['price_change']);
  }, 120_000);
});
