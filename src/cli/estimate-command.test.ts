import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const now = () => new Date('2026-11-01T12:00:00Z');
const emptyDirectory = mkdtempSync(join(tmpdir(), 'unitcost-estimate-'));
const examples = resolve(import.meta.dirname, '../../examples');

async function run(args: string[], directory = emptyDirectory) {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', 'estimate', ...args], io, { now, directory, environment: {} });
  return { code, out: io.out(), err: io.err() };
}

async function runJson(args: string[], directory?: string) {
  const result = await run([...args, '--json'], directory);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.out);
}

describe('unitcost estimate', () => {
  it('prices 200 calls of 2,000 input and 800 output tokens at inline $5/$25 at $6.00 a session', async () => {
    const args = ['--input', '2000', '--output', '800', '--calls', '200', '--price-input', '5', '--price-output', '25'];
    const report = await runJson(args);
    expect(report).toMatchObject({ per_call_usd: 0.03, per_session_usd: 6, per_user_month_usd: null, verdict: null });
    const { code, out } = await run(args);
    expect(code).toBe(0);
    expect(out).toMatch(/per session \(200 calls\)\s*│\s*\$6\.00/);
    expect(out).toMatch(/per call\s*│\s*\$0\.03 /);
  });

  it('prices the same session on claude-opus-4-7 at $6.00, resolved to anthropic at $5/$25', async () => {
    const report = await runJson(['--model', 'claude-opus-4-7', '--input', '2000', '--output', '800', '--calls', '200']);
    expect(report.per_session_usd).toBe(6);
    expect(report.models[0]).toMatchObject({ provider: 'anthropic', model: 'claude-opus-4-7', source: 'catalog' });
    expect(report.models[0].prices_usd_per_million).toMatchObject({ input: 5, output: 25, cache_read: 0.5, cache_write_5m: 6.25 });
    // Dollars per web search, shown where the catalog prices them, like the request fee.
    expect(report.models[0].prices_usd_per_million.web_search).toBe(0.01);
    expect(report.breakdown[0].by_token_class).toMatchObject({ input: { per_session_usd: 2 }, output: { per_session_usd: 4 } });
  });

  it('prices a 2,000-token cached prefix, 300 fresh input and 400 output tokens at $0.000568 a query', async () => {
    const args = ['--input', '2300', '--cached', '2000', '--output', '400', '--price-input', '0.44', '--price-cache-read', '0.044', '--price-output', '0.87'];
    const report = await runJson(args);
    expect(report.per_call_usd).toBe(0.000568);
    expect(report.breakdown[0].by_token_class).toEqual({
      input: { tokens_per_session: 300, per_call_usd: 0.000132, per_session_usd: 0.000132, per_user_month_usd: null },
      cache_read: { tokens_per_session: 2000, per_call_usd: 0.000088, per_session_usd: 0.000088, per_user_month_usd: null },
      output: { tokens_per_session: 400, per_call_usd: 0.000348, per_session_usd: 0.000348, per_user_month_usd: null },
    });
    expect((await run(args)).out).toMatch(/per call\s*│\s*\$0\.000568/);
  });

  it('turns $0.04 a session at 20 sessions a month into $0.80 per user per month and judges it against ARPU', async () => {
    const report = await runJson(['--input', '1000', '--output', '1000', '--price-input', '10', '--price-output', '30', '--sessions-per-month', '20', '--arpu', '10']);
    expect(report).toMatchObject({ per_session_usd: 0.04, per_user_month_usd: 0.8, verdict: 'viable', breaches: [] });
    expect(report.cost_share_of_arpu).toBeCloseTo(0.08, 12);
    expect(report.gross_margin).toBeCloseTo(0.92, 12);
  });

  it('judges against the config thresholds, and the flags override them', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-estimate-config-'));
    writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ thresholds: { max_cost_share_of_arpu: 0.05, min_inference_margin: 0.4 } }));
    const args = ['--input', '1000', '--output', '1000', '--price-input', '10', '--price-output', '30', '--sessions-per-month', '20', '--arpu', '10'];
    const configured = await runJson(args, directory);
    expect(configured.verdict).toBe('at_risk');
    expect(configured.thresholds).toEqual({ max_cost_share_of_arpu: 0.05, min_inference_margin: 0.4 });
    expect(configured.breaches.map((breach: { explanation: string }) => breach.explanation)).toEqual([
      'AI cost takes 8% of ARPU, above the 5% ceiling (max_cost_share_of_arpu)',
    ]);
    const overridden = await runJson([...args, '--max-cost-share', '10%', '--min-margin', '0.95'], directory);
    expect(overridden.verdict).toBe('at_risk');
    expect(overridden.breaches.map((breach: { threshold: string }) => breach.threshold)).toEqual(['min_inference_margin']);
    const { out } = await run(args, directory);
    expect(out).toMatch(/verdict\s*│\s*at_risk/);
    expect(out).toContain('! AI cost takes 8% of ARPU, above the 5% ceiling');
  });

  it('calls a feature unviable when its AI cost exceeds ARPU', async () => {
    const report = await runJson(['--model', 'claude-opus-4-7', '--input', '2000', '--output', '800', '--calls', '200', '--sessions-per-month', '20', '--arpu', '100']);
    expect(report).toMatchObject({ per_user_month_usd: 120, cost_share_of_arpu: 1.2, verdict: 'unviable' });
    expect(report.gross_margin).toBeCloseTo(-0.2, 12);
  });

  it('grows an agent context by --context-growth each step and bills each step at its own tier', async () => {
    // Prompts of 150k, 170k, 190k at $3/$15 and 210k, 230k, 250k at the >200k tier's $6/$22.5.
    const report = await runJson(['--model', 'claude-sonnet-4-5', '--input', '150000', '--output', '500', '--context-growth', '20000', '--max-steps', '6']);
    expect(report.models[0].calls_by_tier).toEqual([
      { input_above: null, calls: 3 },
      { input_above: 200000, calls: 3 },
    ]);
    expect(report.breakdown[0].by_token_class.input).toMatchObject({ tokens_per_session: 1_200_000, per_session_usd: 5.67 });
    expect(report.breakdown[0].by_token_class.output).toMatchObject({ tokens_per_session: 3000, per_session_usd: 0.05625 });
    expect(report.per_session_usd).toBe(5.72625);
    expect(report.warnings[0]).toContain("exceeds anthropic/claude-sonnet-4-5's context window of 200,000 tokens");
  });

  it('reports the expected cost with prompt caching, the savings and the break-even hit rate', async () => {
    const args = ['--model', 'claude-opus-4-7', '--input', '7000', '--output', '400', '--cache-prefix', '6000', '--cache-hit-rate', '0.7'];
    const report = await runJson(args);
    expect(report.per_call_usd).toBe(0.02835);
    expect(report.cache).toMatchObject({ prefix_tokens: 6000, hit_rate: 0.7, per_session_without_cache_usd: 0.045, per_session_with_cache_usd: 0.02835, savings_per_session_usd: 0.01665 });
    expect(report.cache.break_even_hit_rate).toBeCloseTo(1.25 / 5.75, 12);
    const { out } = await run(args);
    expect(out).toMatch(/break-even hit rate\s*│\s*21\.7%/);
    expect(out).toMatch(/savings per session\s*│\s*\$0\.0167 \(37%\)/);
  });

  it('blends a route over its models and breaks the cost down by model', async () => {
    const report = await runJson(['--route', 'deepseek-v4-pro=0.8,claude-opus-4-7=0.2', '--input', '2000', '--output', '800']);
    // At 2026-11-01 DeepSeek V4 Pro costs $0.66/$1.98: $0.002904 a call; Opus 4.7 $0.03.
    expect(report.breakdown.map((row: { model: string; share: number; per_call_usd: number }) => [row.model, row.share, row.per_call_usd])).toEqual([
      ['deepseek/deepseek-v4-pro', 0.8, 0.0023232],
      ['anthropic/claude-opus-4-7', 0.2, 0.006],
    ]);
    expect(report.per_call_usd).toBe(0.0083232);
  });

  it('lays inline prices over a catalog model as a what-if', async () => {
    const report = await runJson(['--model', 'claude-opus-4-7', '--price-input', '4', '--input', '2000', '--output', '800']);
    expect(report.per_call_usd).toBe(0.028);
    expect(report.models[0].price_sources).toEqual(['genai-prices', 'inline what-if prices']);
  });

  it.each([
    [['--model', 'claude-opus-4-7', '--input', '-5', '--output', '800'], '--input must be a whole number of tokens, 0 or more (got -5)'],
    [['--model', 'claude-opus-4-7', '--input', '2.5', '--output', '800'], '--input must be a whole number of tokens, 0 or more (got 2.5)'],
    [['--model', 'claude-opus-4-7', '--input', '2000', '--output', 'lots'], '--output must be a whole number, such as 2000 or 2k (got "lots")'],
    [['--model', 'claude-opus-4-7', '--input', '2000', '--output', '800', '--cached', '2500'], '--cached (2500 tokens) exceeds --input (2000): --input is the whole prompt, cached tokens included'],
    [['--model', 'claude-opus-4-7', '--input', '2000', '--output', '800', '--cache-prefix', '1000', '--cache-hit-rate', '1.5'], '--cache-hit-rate must be a rate between 0 and 1, such as 0.8 or 80% (got "1.5")'],
    [['--model', 'claude-opus-4-7', '--input', '2000', '--output', '800', '--min-margin', '-0.1'], '--min-margin must be a rate between 0 and 1, such as 0.8 or 80% (got "-0.1")'],
    [['--route', 'deepseek-v4-pro=0.8,claude-opus-4-7=0.3', '--input', '2000', '--output', '800'], '--route: the shares must sum to 1, but they sum to 1.1'],
    [['--route', 'deepseek-v4-pro', '--input', '2000', '--output', '800'], '--route must be model=share pairs separated by commas'],
    [['--route', 'deepseek-v4-pro=1', '--price-input', '1', '--input', '2000', '--output', '800'], 'inline prices (--price-*) cannot be combined with --route'],
    [['--model', 'a', '--route', 'b=1', '--input', '2000', '--output', '800'], '--route and --model are exclusive'],
    [['--model', 'claude-opus-4-7', '--output', '800'], '--input is required'],
    [['--model', 'claude-opus-4-7', '--input', '2000', '--output', '800', '--context-growth', '500'], '--context-growth needs --max-steps (or --calls)'],
    [['--model', 'claude-opus-4-7', '--input', '2000', '--output', '800', '--arpu', '10'], '--sessions-per-month is needed with --arpu'],
    [['--model', 'my-own-model', '--input', '2000', '--output', '800', '--price-input', '1'], '"my-own-model" has no catalog price, so inline prices must include both --price-input and --price-output'],
    [['--scenario', 'x.yaml', '--input', '2000'], '--input cannot be combined with --scenario'],
  ])('exits 2 on bad input %j, naming the flag', async (args, message) => {
    const { code, out, err } = await run(args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an unknown model and suggests the nearest names', async () => {
    const { code, err } = await run(['--route', 'deepseek-v4-pro=0.5,claude-opuss-4-7=0.5', '--input', '2000', '--output', '800']);
    expect(code).toBe(2);
    expect(err).toContain('unitcost: --route: no model matches "claude-opuss-4-7"');
    expect(err).toMatch(/did you mean: anthropic\/claude-opus-4-7/);
  });

  it('runs the support-assistant example scenario', async () => {
    const report = await runJson(['--scenario', join(examples, 'support-assistant.yaml')]);
    // Chat: $0.020655 expected a turn × 6 × 25; tickets: $0.0018275 × 40; triage: 65,600 prompt tokens at $0.30/M and 2,800 output at $2.50/M, × 40.
    expect(report.features.map((feature: { per_user_month_usd: number }) => feature.per_user_month_usd)).toEqual([3.09825, 0.0731, 1.0672]);
    expect(report.inference_per_user_month_usd).toBeCloseTo(4.23855, 9);
    // Embeddings $180 and vector DB $420 over 4,000 users, $0.05 storage, review 8% of inference.
    expect(report.overheads.map((overhead: { per_user_month_usd: number }) => overhead.per_user_month_usd)).toEqual([0.045, 0.105, 0.05, 0.339084]);
    expect(report.per_user_month_usd).toBeCloseTo(4.777634, 9);
    expect(report.cost_share_of_arpu).toBeCloseTo(4.777634 / 29, 9);
    expect(report.verdict).toBe('viable');
    expect(report.per_call_usd).toBeNull();
  });

  it('runs the coding-agent example scenario with its own thresholds', async () => {
    const report = await runJson(['--scenario', join(examples, 'coding-agent.json')]);
    // Agent: 0.8 × $0.23265 (DeepSeek) + 0.2 × $1.96125 (Opus) a session, × 12; completions $0.000162 × 1,200.
    expect(report.features.map((feature: { per_session_usd: number }) => feature.per_session_usd)).toEqual([0.57837, 0.000162]);
    expect(report.inference_per_user_month_usd).toBeCloseTo(7.13484, 9);
    expect(report.per_user_month_usd).toBeCloseTo(7.13484 + 0.6 + 0.15 * 7.13484, 9);
    expect(report.thresholds).toEqual({ max_cost_share_of_arpu: 0.3, min_inference_margin: 0.5 });
    expect(report.verdict).toBe('at_risk');
    expect(report.breaches.map((breach: { threshold: string }) => breach.threshold)).toEqual(['max_cost_share_of_arpu']);
    const { code, out } = await run(['--scenario', join(examples, 'coding-agent.json')]);
    expect(code).toBe(0);
    expect(out).toMatch(/total AI cost per user \/ month\s*│\s*\$8\.81/);
  });

  it('names the file, line and field of an unknown model in a scenario', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-estimate-scenario-'));
    const file = join(directory, 'broken.yaml');
    writeFileSync(file, ['arpu: 10', 'features:', '  - name: chat', '    model: claude-opuss-4-7', '    input: 100', '    output: 10', '    sessions_per_user_month: 5', ''].join('\n'));
    const { code, err } = await run(['--scenario', file]);
    expect(code).toBe(2);
    expect(err).toContain(`unitcost: ${file}:4: features[0].model: no model matches "claude-opuss-4-7"`);
    expect(err).toMatch(/did you mean: anthropic\/claude-opus-4-7/);
  });

  it('names the line of a cross-field mistake in a scenario', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-estimate-scenario-'));
    const file = join(directory, 'cached.yaml');
    writeFileSync(file, ['features:', '  - name: chat', '    model: claude-opus-4-7', '    input: 100', '    output: 10', '    cached: 500', '    sessions_per_user_month: 5', ''].join('\n'));
    const { code, err } = await run(['--scenario', file]);
    expect(code).toBe(2);
    expect(err).toContain(`${file}:6: features[0].cached: cached (500 tokens) exceeds input (100)`);
  });

  it('teaches its flags with worked examples in --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('--cache-hit-rate <rate>');
    expect(out).toContain('Examples:');
    expect(out).toContain('unitcost estimate --model claude-opus-4-7 --input 2000 --output 800 --calls 200');
    expect(out).toContain('--price-input 0.44 --price-cache-read 0.044 --price-output 0.87');
  });
});
