import { describe, expect, it } from 'vitest';
import { monthDays } from './build-simulation-result.js';
import { rankOptimization, type DefaultLever } from './optimize-levers.js';
import type { LeverKind, SimulationResult } from './simulation-result.js';
import { stackLevers } from './stack-levers.js';

// Enough of a simulation result for the stack: a window of 30.4375 days, so $ over the window = $/month.
function simulated(savingsPerMonth: number): SimulationResult {
  const risk = { calls_truncated: 0, calls_to_weaker_model: 0, answers_from_cache: 0, calls_escalated: 0, sessions_cut: 0, calls_dropped: 0, calls_delayed: 0 };
  return {
    window: { from: '2026-03-01', to: '2026-03-31', days: monthDays },
    month_days: monthDays,
    total: { baseline: { cost_usd: 100 }, savings_usd_per_month: savingsPerMonth, savings_percent: savingsPerMonth / 100, calls_touched: 10 },
    levers: [{ label: 'a lever', risk, details: {} }],
  } as unknown as SimulationResult;
}

const lever = (kind: LeverKind, oneOffUsd = 0): DefaultLever => ({ kind, levers: [{ [kind]: {} }], oneOffUsd });
const batch = lever('price_change');
const route = lever('route');
const responseCache = lever('response_cache');
const outputCap = lever('output_cap');
const selfHost = lever('self_host');

// A replay that knows what each set of levers saves together, and records what it was asked.
function replayOf(savings: Record<string, number>): { replay: (levers: DefaultLever[]) => Promise<SimulationResult>; asked: string[] } {
  const asked: string[] = [];
  const replay = async (levers: DefaultLever[]): Promise<SimulationResult> => {
    const key = levers.map((chosen) => chosen.kind).sort().join('+');
    asked.push(key);
    const saved = savings[key];
    if (saved === undefined) throw new Error(`no replay for ${key}`);
    return simulated(saved);
  };
  return { replay, asked };
}

describe('optimize: the stack', () => {
  // Batched at half price, then routed: a response cache's $0.01 look-ups are paid on every call while the
  // calls it saves on cost a quarter of what they did. Alone it saves $31.71/mo; on top, it costs $36.58/mo.
  // Stacking every lever that saves alone gave $40.60/mo, less than the batch discount alone ($57.12).
  const alone = [
    { lever: responseCache, result: simulated(31.71) },
    { lever: batch, result: simulated(57.12) },
    { lever: route, result: simulated(40.12) },
    { lever: selfHost, result: simulated(-1_499.01) },
  ];
  const together = { 'price_change+route': 77.18, 'price_change+response_cache+route': 40.6 };

  it('is never worse than its best member: a lever that saves alone but costs on top of the others is left out', async () => {
    const { replay } = replayOf(together);
    const stack = await stackLevers(alone, replay);
    expect(stack.levers.map((chosen) => chosen.kind)).toEqual(['price_change', 'route']);
    expect(stack.result.total.savings_usd_per_month).toBe(77.18);
    const result = rankOptimization(alone, stack);
    expect(result.stacked.savings_usd_per_month).toBeGreaterThanOrEqual(result.ranked[0]!.savings_usd_per_month);
    expect(result.stacked.left_out_reasons[0]).toEqual({
      kind: 'response_cache',
      reason: 'saves $31.71/mo alone, but on top of price_change, route it costs more than it saves: the stack saves $40.60/mo with it, $77.18/mo without',
      alone_usd_per_month: 31.71,
      stack_change_usd_per_month: 40.6 - 77.18,
    });
  });

  it('adds levers in rank order, starting from the best one alone without replaying it', async () => {
    const { replay, asked } = replayOf(together);
    await stackLevers(alone, replay);
    expect(asked).toEqual(['price_change+route', 'price_change+response_cache+route']);
  });

  it('does not try a lever that loses money alone, and says how much it loses', async () => {
    const { replay, asked } = replayOf(together);
    const stack = await stackLevers(alone, replay);
    expect(asked.some((key) => key.includes('self_host'))).toBe(false);
    expect(stack.leftOut.find((entry) => entry.kind === 'self_host')).toEqual({ kind: 'self_host', reason: 'loses $1,499.01/mo alone, net of one-off costs', alone_usd_per_month: -1_499.01, stack_change_usd_per_month: null });
  });

  it('counts one-off costs in the stack: a fine-tune whose calls a route already took is left out', async () => {
    // Fine-tuning saves $100/mo alone, − $375 ÷ 6 months = $37.50 net; after the route it adds only $30/mo of replay savings, less than its $62.50/mo of training.
    const fineTune = lever('fine_tune', 375);
    const { replay } = replayOf({ 'fine_tune+route': 90 });
    const stack = await stackLevers([{ lever: route, result: simulated(60) }, { lever: fineTune, result: simulated(100) }], replay);
    expect(stack.levers.map((chosen) => chosen.kind)).toEqual(['route']);
    expect(stack.leftOut[0]).toMatchObject({ kind: 'fine_tune', alone_usd_per_month: 37.5, stack_change_usd_per_month: 90 - 62.5 - 60 });
  });

  it('keeps a lever that adds to the stack, and leaves out one that adds nothing', async () => {
    const { replay } = replayOf({ 'output_cap+route': 45, 'output_cap+response_cache+route': 45 });
    const stack = await stackLevers([{ lever: route, result: simulated(40) }, { lever: outputCap, result: simulated(5) }, { lever: responseCache, result: simulated(1) }], replay);
    expect(stack.levers.map((chosen) => chosen.kind)).toEqual(['route', 'output_cap']);
    expect(stack.leftOut).toEqual([{ kind: 'response_cache', reason: 'adds nothing on top of route, output_cap', alone_usd_per_month: 1, stack_change_usd_per_month: 0 }]);
  });

  it('replays no lever at all when none saves money alone', async () => {
    const { replay, asked } = replayOf({ '': 0 });
    const stack = await stackLevers([{ lever: selfHost, result: simulated(-10) }], replay);
    expect(asked).toEqual(['']);
    expect(stack.levers).toEqual([]);
    expect(stack.result.total.savings_usd_per_month).toBe(0);
  });
});
