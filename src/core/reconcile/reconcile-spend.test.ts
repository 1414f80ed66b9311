import { describe, expect, it } from 'vitest';
import { anthropicCostRows, anthropicUsageRows } from './anthropic-admin-reports.js';
import { openaiCostRows, openaiUsageRows } from './openai-admin-reports.js';
import { decimalToPicodollars, ReportFormatError } from './provider-report.js';
import { reconcileSpend, type RecordedUsage } from './reconcile-spend.js';

const day = (n: number): string => `2026-10-${String(n).padStart(2, '0')}`;
const epoch = (isoDay: string): number => Date.parse(`${isoDay}T00:00:00Z`) / 1000;

describe('decimal amounts', () => {
  it('reads dollars and cents exactly, whatever their spelling', () => {
    expect(decimalToPicodollars('123.45', 10, 'x', 'amount')).toBe(1_234_500_000_000n);
    expect(decimalToPicodollars(0.06, 12, 'x', 'amount.value')).toBe(60_000_000_000n);
    expect(decimalToPicodollars('1e-3', 12, 'x', 'v')).toBe(1_000_000_000n);
    expect(decimalToPicodollars(1.1e-7, 12, 'x', 'v')).toBe(110_000n);
    expect(() => decimalToPicodollars('12,5', 10, 'cost.json page 1', 'amount')).toThrow('cost.json page 1: amount is not a decimal amount: "12,5"');
  });
});

describe('OpenAI admin reports', () => {
  it('splits a completions bucket into uncached input, cached input, output and audio', () => {
    const page = {
      object: 'page',
      data: [{ object: 'bucket', start_time: epoch(day(1)), end_time: epoch(day(2)), results: [{ object: 'organization.usage.completions.result', input_tokens: 1000, input_cached_tokens: 800, output_tokens: 500, input_audio_tokens: 50, output_audio_tokens: 20, num_model_requests: 5, model: 'gpt-4o-2024-08-06', project_id: 'proj_1', api_key_id: null }] }],
      has_more: false,
      next_page: null,
    };
    expect(openaiUsageRows([page], 'usage.json')).toEqual([
      { day: day(1), model: 'gpt-4o-2024-08-06', tokenClass: 'input', quantity: 150n, project: 'proj_1', apiKey: null },
      { day: day(1), model: 'gpt-4o-2024-08-06', tokenClass: 'cache_read', quantity: 800n, project: 'proj_1', apiKey: null },
      { day: day(1), model: 'gpt-4o-2024-08-06', tokenClass: 'input_audio', quantity: 50n, project: 'proj_1', apiKey: null },
      { day: day(1), model: 'gpt-4o-2024-08-06', tokenClass: 'output', quantity: 480n, project: 'proj_1', apiKey: null },
      { day: day(1), model: 'gpt-4o-2024-08-06', tokenClass: 'output_audio', quantity: 20n, project: 'proj_1', apiKey: null },
    ]);
  });

  it('asks for group_by=model when results name no model, naming the page and result', () => {
    const page = { object: 'page', data: [{ start_time: epoch(day(1)), results: [{ object: 'organization.usage.completions.result', input_tokens: 1, output_tokens: 1, model: null }] }] };
    expect(() => openaiUsageRows([page], 'usage.json')).toThrow('usage.json page 1 data[0].results[0]: model is missing: pull the usage report with group_by=model');
  });

  it('reads cost lines by model and class, and refuses another currency', () => {
    const page = { object: 'page', data: [{ start_time: epoch(day(1)), results: [
      { object: 'organization.costs.result', amount: { value: 0.06, currency: 'usd' }, line_item: 'gpt-4o-2024-08-06, input', project_id: null },
      { object: 'organization.costs.result', amount: { value: 1.5, currency: 'usd' }, line_item: 'gpt-4o-2024-08-06, cached input', project_id: null },
      { object: 'organization.costs.result', amount: { value: 2, currency: 'usd' }, line_item: null, project_id: null },
    ] }] };
    expect(openaiCostRows([page], 'costs.json').map((row) => [row.model, row.tokenClass, row.picodollars])).toEqual([
      ['gpt-4o-2024-08-06', 'input', 60_000_000_000n],
      ['gpt-4o-2024-08-06', 'cache_read', 1_500_000_000_000n],
      [null, null, 2_000_000_000_000n],
    ]);
    const euros = { object: 'page', data: [{ start_time: epoch(day(1)), results: [{ amount: { value: 1, currency: 'eur' }, line_item: 'gpt-4o, input' }] }] };
    expect(() => openaiCostRows([euros], 'costs.json')).toThrow(ReportFormatError);
  });
});

describe('Anthropic admin reports', () => {
  it('reads every token class and web searches from the usage report, and cents from the cost report', () => {
    const usage = { data: [{ starting_at: `${day(3)}T00:00:00Z`, ending_at: `${day(4)}T00:00:00Z`, results: [{ uncached_input_tokens: 100, cache_read_input_tokens: 900, cache_creation: { ephemeral_5m_input_tokens: 40, ephemeral_1h_input_tokens: 10 }, output_tokens: 300, server_tool_use: { web_search_requests: 2 }, model: 'claude-sonnet-4-5-20250929', workspace_id: 'wrkspc_1', api_key_id: null }] }], has_more: false, next_page: null };
    expect(anthropicUsageRows([usage], 'usage.json').map((row) => [row.tokenClass, row.quantity])).toEqual([
      ['input', 100n], ['cache_read', 900n], ['cache_write_5m', 40n], ['cache_write_1h', 10n], ['output', 300n], ['web_search', 2n],
    ]);
    const cost = { data: [{ starting_at: `${day(3)}T00:00:00Z`, results: [
      { currency: 'USD', amount: '123.456', model: 'claude-sonnet-4-5-20250929', cost_type: 'tokens', token_type: 'cache_creation.ephemeral_1h_input_tokens', description: 'Claude Sonnet 4.5 1h cache write' },
      { currency: 'USD', amount: '2', model: null, cost_type: 'web_search', token_type: null, description: 'Web search' },
    ] }], has_more: false };
    expect(anthropicCostRows([cost], 'cost.json').map((row) => [row.tokenClass, row.picodollars])).toEqual([
      ['cache_write_1h', 1_234_560_000_000n],
      ['web_search', 20_000_000_000n],
    ]);
  });
});

describe('reconcileSpend', () => {
  // Ten days of one model: input at $2/M and output at $8/M in unitcost's catalog (in picodollars per token: 2e6 and 8e6).
  const days = Array.from({ length: 10 }, (_, index) => day(index + 1));
  const recorded: RecordedUsage[] = days.flatMap((d) => [
    { day: d, model: 'gpt-4.1', tokenClass: 'input' as const, quantity: 1_000_000n, picodollars: 2_000_000n * 1_000_000n },
    { day: d, model: 'gpt-4.1', tokenClass: 'output' as const, quantity: 100_000n, picodollars: 8_000_000n * 100_000n },
  ]);
  // The provider saw 5% more (calls no one instrumented), and from day 6 bills 12% below list.
  const billedAt = (d: string, listPicodollars: bigint): bigint => (d >= day(6) ? (listPicodollars * 88n) / 100n : listPicodollars);
  const report = {
    provider: 'openai' as const,
    fromDay: day(1),
    toDay: day(11),
    usage: days.flatMap((d) => [
      { day: d, model: 'gpt-4.1-2025-04-14', tokenClass: 'input' as const, quantity: 1_050_000n },
      { day: d, model: 'gpt-4.1-2025-04-14', tokenClass: 'output' as const, quantity: 105_000n },
    ]),
    costs: days.flatMap((d) => [
      { day: d, model: 'gpt-4.1-2025-04-14', tokenClass: 'input' as const, picodollars: billedAt(d, 2_000_000n * 1_050_000n), description: 'gpt-4.1, input' },
      { day: d, model: 'gpt-4.1-2025-04-14', tokenClass: 'output' as const, picodollars: billedAt(d, 8_000_000n * 105_000n), description: 'gpt-4.1, output' },
    ]),
  };
  const canonicalModel = (model: string): string => model.replace(/-\d{4}-\d{2}-\d{2}$/, '');

  it('finds the untracked spend to the picodollar and the share of the bill unitcost saw', () => {
    const result = reconcileSpend({ provider: 'openai', report, recorded, canonicalModel });
    // Billed: 5 days at list (2.1 + 0.84 = $2.94) and 5 at 88% ($2.5872): $27.636. Unseen: 1/21 of each row.
    expect(result.totals.billed_usd).toBe('27.636');
    expect(result.totals.untracked_usd).toBe('1.316');
    expect(result.totals.coverage).toBeCloseTo(20 / 21, 5);
    expect(result.untracked_by_model).toEqual([{ model: 'gpt-4.1', untracked_usd: '1.316', reported_quantity: '11550000', recorded_quantity: '11000000' }]);
  });

  it('names the missing discount, the day it starts, and the config that closes the gap', () => {
    const result = reconcileSpend({ provider: 'openai', report, recorded, canonicalModel });
    expect(result.price_mismatches).toHaveLength(1);
    const [mismatch] = result.price_mismatches;
    expect(mismatch).toMatchObject({ model: null, from_day: day(6), suggestion: { discounts: [{ provider: 'openai', percent: 12, effective_from: day(6) }] } });
    expect(mismatch!.explains_share).toBe(1);
    expect(mismatch!.summary).toBe('openai discount 12% from 2026-10-06 explains 100% of the gap');
    expect(result.summary).toContain('unitcost saw 95.2% of openai');
  });

  it('compares tokens alone when there is no cost report, and proposes no discount', () => {
    const result = reconcileSpend({ provider: 'openai', report: { ...report, costs: [] }, recorded, canonicalModel });
    expect(result.totals.coverage).toBeNull();
    expect(result.totals.token_coverage).toBeCloseTo(20 / 21, 5);
    expect(result.price_mismatches).toEqual([]);
  });

  it('matches recorded web searches with the searches Anthropic reports and bills, leaving none untracked', () => {
    // Three searches at $10 per 1,000 on one day: unitcost recorded them as the web_search class, with their cost.
    const searches: RecordedUsage = { day: day(3), model: 'claude-sonnet-4-5', tokenClass: 'web_search', quantity: 3n, picodollars: 30_000_000_000n };
    const anthropicReport = {
      provider: 'anthropic' as const,
      fromDay: day(1),
      toDay: day(11),
      usage: [{ day: day(3), model: 'claude-sonnet-4-5-20250929', tokenClass: 'web_search' as const, quantity: 3n }],
      costs: [{ day: day(3), model: 'claude-sonnet-4-5-20250929', tokenClass: 'web_search' as const, picodollars: 30_000_000_000n, description: 'Web search' }],
    };
    const anthropicModel = (model: string): string => model.replace(/-\d{8}$/, '');
    const matched = reconcileSpend({ provider: 'anthropic', report: anthropicReport, recorded: [searches], canonicalModel: anthropicModel });
    expect(matched.totals).toMatchObject({ billed_usd: '0.03', recorded_usd: '0.03', untracked_usd: '0', coverage: 1 });
    expect(matched.rows).toEqual([
      { day: day(3), model: 'claude-sonnet-4-5', token_class: 'web_search', reported_quantity: '3', recorded_quantity: '3', billed_usd: '0.03', recorded_usd: '0.03', untracked_usd: '0', price_gap_usd: '0' },
    ]);
    // Dropped searches (as before they were counted) are the whole bill, untracked.
    const dropped = reconcileSpend({ provider: 'anthropic', report: anthropicReport, recorded: [], canonicalModel: anthropicModel });
    expect(dropped.totals).toMatchObject({ untracked_usd: '0.03', coverage: 0 });
  });

  it('lists what unitcost recorded that the provider never billed', () => {
    const extra: RecordedUsage[] = [...recorded, { day: day(2), model: 'gpt-4.1-mini', tokenClass: 'input', quantity: 500n, picodollars: 200_000_000n }];
    const result = reconcileSpend({ provider: 'openai', report, recorded: extra, canonicalModel });
    expect(result.recorded_not_billed).toEqual([{ model: 'gpt-4.1-mini', token_class: 'input', quantity: '500' }]);
  });
});
