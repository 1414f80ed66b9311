import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlansResult } from '../core/plans/plans-result.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

// A month of recorded usage on gpt-4o: every call is 20,000 input and 2,000 output tokens, $0.05 + $0.02 = $0.07.
// Pro pays a $20 seat today; eight light users and two heavy ones. Free pays nothing.
const directory = mkdtempSync(join(tmpdir(), 'unitcost-plans-cli-'));
const db = join(directory, 'plans.duckdb');
const appOptions = { now: () => new Date('2026-04-10T10:00:00Z'), directory };
const proCalls = [20, 30, 40, 50, 60, 80, 100, 120, 1500, 3000];
const freeCalls = [10, 10, 20, 30, 400];

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, appOptions);
  return { code, out: io.out(), err: io.err() };
}

function usageLines(tier: string, callsPerUser: number[]): string[] {
  return callsPerUser.flatMap((calls, user) =>
    Array.from({ length: calls }, (_, call) => {
      // Spread over March: day 1 + (call mod 28), a different second for every call.
      const at = Date.UTC(2026, 2, 1 + (call % 28), 9, 0, 0) + call * 1000 + user;
      return JSON.stringify({ id: `${tier}-${user}-${call}`, timestamp: new Date(at).toISOString(), provider: 'openai', model: 'gpt-4o', input_tokens: 20_000, output_tokens: 2_000, feature: 'assistant', user_tier: tier, user_id: `${tier}-user-${user}`, task_id: `${tier}-${user}-task-${Math.floor(call / 4)}` });
    }),
  );
}

beforeAll(async () => {
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ plans: { pro: { seat_price_usd_per_month: 20 }, free: { seat_price_usd_per_month: 0 } } }));
  const events = join(directory, 'march.jsonl');
  writeFileSync(events, `${[...usageLines('pro', proCalls), ...usageLines('free', freeCalls)].join('\n')}\n`);
  const ingest = await cli('ingest', events, '--db', db);
  expect(ingest.code, ingest.err).toBe(0);
}, 60_000);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('unitcost plans', () => {
  it('answers what Pro should cost, with what allowance, to keep a 70% margin', async () => {
    const { code, out, err } = await cli('plans', '--db', db, '--month', '2026-03', '--tier', 'pro', '--target-margin', '0.7', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as PlansResult;
    expect(result.window).toEqual({ from: '2026-03-01', to: '2026-04-01', days: 31, month: '2026-03', scaled_to_month: false });
    const [pro] = result.tiers;
    expect(result.tiers).toHaveLength(1);
    expect(pro!.users).toBe(10);
    expect(pro!.cost_usd).toBeCloseTo(5000 * 0.07, 9);
    // Today: $200 of seats against $350 of inference; the two heavy users cost more than their seat.
    expect(pro!.current.revenue_usd).toBeCloseTo(200, 9);
    expect(pro!.current.margin).toBeCloseTo(-0.75, 9);
    expect(pro!.subsidized.map((user) => user.user_id)).toEqual(['pro-user-9', 'pro-user-8']);
    // Two users of ten may exceed the allowance: the 8th lightest uses 120 calls. Their calls cost $0.07, so overage
    // at 70% margin is $0.07 ÷ 0.3 = $0.2334 (rounded up); seats + overage reach $350 ÷ 0.3 at $17.24 a seat → $19.
    const recommended = pro!.recommended!;
    expect(recommended).toMatchObject({ price_usd: 19, allowance_unit: 'calls', allowance: 120, overage_usd_per_unit: 0.2334, users_paying_overage: 2, subsidized_today_still: 0 });
    expect(recommended.margin!).toBeGreaterThanOrEqual(0.7);
    expect(recommended.config).toEqual({ seat_price_usd_per_month: 19, included_requests: 120, overage_usd_per_request: 0.2334 });
    expect(pro!.candidates.find((candidate) => candidate.price_usd === 9)!.margin!).toBeLessThan(0.7);
    expect(pro!.subsidized[0]).toMatchObject({ user_tier: 'pro', calls: 3000, revenue_with_plan_usd: 19 + 2880 * 0.2334, at_loss_with_plan: false });
    // Repriced at openai's budget and mid models by the routing replay: both cheaper than gpt-4o as recorded.
    const models = pro!.models!;
    const budget = models.options.find((option) => option.model === 'openai/gpt-4.1-mini')!;
    const recorded = models.options.find((option) => option.model === null)!;
    expect(budget.model_tier).toBe('budget');
    expect(budget.cost_usd).toBeCloseTo(5000 * (20_000 * 0.4 + 2_000 * 1.6) / 1e6, 9);
    expect(recorded.cost_usd).toBeCloseTo(350, 9);
    expect(budget.margin_today!).toBeGreaterThan(recorded.margin_today!);
    expect(models.options[0]!.suggested).toBe(true);
    expect(models.suggestion).toMatch(/is the cheapest option that reaches 70\.0% at today's prices .*; whether its answers are good enough for this tier is your call$/);
  }, 60_000);

  it('prints today beside each candidate, the recommendation, the models and who is subsidized', async () => {
    const { code, out } = await cli('plans', '--db', db, '--month', '2026-03', '--price-points', '9,19,29');
    expect(code).toBe(0);
    expect(out).toContain('plans from 2026-03: target margin 70.0%, at most 20.0% of users on overage, allowance in calls');
    expect(out).toContain('tier pro: 10 users, inference $350.00/mo');
    expect(out).toContain('allowance 120 calls; overage $0.2334 per call: the $0.07 a call beyond it costs, priced at the target margin');
    expect(out).toMatch(/│ today \(\$20\.00 seat\)\s+│\s+│\s+\$200\.00 │\s+\$350\.00 │\s+-75\.0% │\s+│\s+2 of 10 │/);
    expect(out).toMatch(/│ \$19\.00 ✓\s+│/);
    expect(out).toContain('recommended: $19.00 is the cheapest price point that reaches 70.0%');
    expect(out).toContain('in the config: plans: { pro: {"seat_price_usd_per_month":19,"included_requests":120,"overage_usd_per_request":0.2334} }');
    expect(out).toMatch(/│ openai\/gpt-4\.1-mini ✓\s+│ budget/);
    expect(out).toContain('pro-user-9: costs $210.00, pays $20.00 (loss $190.00), would pay $691.19');
  }, 60_000);

  it('explains when no price point reaches the margin, and writes every subsidized user to CSV', async () => {
    const file = join(directory, 'subsidized.csv');
    const { code, out, err } = await cli('plans', '--db', db, '--month', '2026-03', '--price-points', '5,9', '--no-models', '--subsidized-csv', file);
    expect(code).toBe(0);
    expect(out).toContain('tier pro: ');
    expect(out).toMatch(/no price point up to \$9\.00 reaches 70\.0%: at \$9\.00 the margin is [\d.]+%; a seat price of \$18\.00 would/);
    expect(out).not.toContain('│ models');
    expect(err).toBe(`wrote 7 users served at a loss to ${file}\n`);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('user_tier,user_id,calls,tasks,cost_usd,revenue_usd,loss_usd,revenue_with_plan_usd,at_loss_with_plan');
    // Free users pay nothing today: every one of them is served at a loss; no plan is recommended here.
    expect(lines.filter((line) => line.startsWith('free,'))).toHaveLength(5);
    expect(lines).toContain('pro,pro-user-9,3000,750,210,20,190,,');
  }, 60_000);

  it('refuses a tier without calls and a margin of 1, naming the flag', async () => {
    const tier = await cli('plans', '--db', db, '--tier', 'team');
    expect(tier.code).toBe(2);
    expect(tier.err).toContain('no user of tier team has calls between 2026-03-01 and 2026-03-29 (exclusive): the tiers with calls are free, pro');
    const margin = await cli('plans', '--db', db, '--target-margin', '1');
    expect(margin.code).toBe(2);
    expect(margin.err).toContain('--target-margin must be a fraction from 0 and below 1');
  });
});
