import type { Command } from 'commander';
import { arpuFromFlag, estimateFlagNames, estimateFromFlags, thresholdsFromFlags, type EstimateFlagName, type EstimateFlags } from '../app/estimate-service.js';
import { loadScenarioFile } from '../config/scenario-file.js';
import { formatUsd } from '../core/cost/picodollars.js';
import { estimateReport, type EstimateReport, type PriceTable } from '../core/estimate/estimate-report.js';
import { estimateScenario } from '../core/estimate/estimate-scenario.js';
import { percent } from '../core/estimate/judge-viability.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';
import { parseDateOption } from './parse-date-option.js';

export interface EstimateOptions {
  model?: string;
  route?: string;
  input?: string;
  output?: string;
  cached?: string;
  cacheWrite?: string;
  cacheWrite1h?: string;
  reasoning?: string;
  calls?: string;
  contextGrowth?: string;
  maxSteps?: string;
  cachePrefix?: string;
  cacheHitRate?: string;
  sessionsPerMonth?: string;
  arpu?: string;
  maxCostShare?: string;
  minMargin?: string;
  priceInput?: string;
  priceOutput?: string;
  priceCacheRead?: string;
  priceCacheWrite?: string;
  scenario?: string;
  at?: string;
  json?: boolean;
}

// The per-feature flags, which a scenario file replaces.
const featureFlags = ['model', 'route', 'input', 'output', 'cached', 'cacheWrite', 'cacheWrite1h', 'reasoning', 'calls', 'contextGrowth', 'maxSteps', 'cachePrefix', 'cacheHitRate', 'sessionsPerMonth', 'priceInput', 'priceOutput', 'priceCacheRead', 'priceCacheWrite'] as const;

const examples = `
--input is the whole prompt of one call, cached tokens included (as OpenAI's prompt_tokens); --cached,
--cache-write and --cache-write-1h are parts of it. --output is every generated token, --reasoning included.
Long-context prices apply per call, once that call's prompt crosses the model's threshold.
Token counts accept 2000, 2_000, 2k or 1.5M; rates accept 0.8 or 80%.

Examples:
  One call and a session of 200 calls on Claude Opus 4.7 ($5/$25 per M tokens): $0.03 a call, $6.00 a session
    unitcost estimate --model claude-opus-4-7 --input 2000 --output 800 --calls 200

  A model the catalog lacks, priced inline: 2,000 cached + 300 fresh prompt tokens and 400 output = $0.000568
    unitcost estimate --input 2300 --cached 2000 --output 400 \\
      --price-input 0.44 --price-cache-read 0.044 --price-output 0.87

  Per user per month and the verdict against ARPU (thresholds from the config, or --max-cost-share/--min-margin)
    unitcost estimate --model gpt-5-mini --input 3000 --output 600 --calls 8 --sessions-per-month 20 --arpu 12

  An agent whose context grows 1,500 tokens a step, 30 steps (each step priced on its own)
    unitcost estimate --model claude-sonnet-4-5 --input 8000 --output 500 --context-growth 1500 --max-steps 30

  Prompt caching: a 6,000-token prefix that hits 70% of the time, with the break-even hit rate
    unitcost estimate --model claude-opus-4-7 --input 7000 --output 400 --cache-prefix 6000 --cache-hit-rate 0.7

  Routing 80% of calls to a cheap model and 20% to a strong one
    unitcost estimate --route "deepseek-v4-pro=0.8,claude-opus-4-7=0.2" --input 2000 --output 800

  A what-if: Opus 4.7 at a negotiated input price
    unitcost estimate --model claude-opus-4-7 --price-input 4 --input 2000 --output 800

  Several features, overheads (embeddings, vector DB, review) and ARPU in one file (see examples/)
    unitcost estimate --scenario examples/support-assistant.yaml --json`;

/** Registers `unitcost estimate`: napkin math for what an LLM feature costs per call, session and user-month. */
export function registerEstimateCommand(program: Command, context: CliContext): void {
  program
    .command('estimate')
    .description('napkin math for an LLM feature: cost per call, per session and per user per month, its share of ARPU and a verdict')
    .option('--model <name>', 'model to price (catalog id or alias); any name with inline prices')
    .option('--route <pairs>', 'blend several models: "model=share,model=share", shares summing to 1')
    .option('--input <tokens>', 'prompt tokens of one call, cached ones included')
    .option('--output <tokens>', 'generated tokens of one call, reasoning included')
    .option('--cached <tokens>', 'prompt tokens read from the cache (part of --input)')
    .option('--cache-write <tokens>', 'prompt tokens written to the 5-minute cache (part of --input)')
    .option('--cache-write-1h <tokens>', 'prompt tokens written to the 1-hour cache (part of --input)')
    .option('--reasoning <tokens>', 'reasoning tokens (part of --output)')
    .option('--calls <n>', 'calls per session (default 1)')
    .option('--context-growth <tokens>', 'tokens each agent step adds to the next prompt')
    .option('--max-steps <n>', 'steps per agent session')
    .option('--cache-prefix <tokens>', 'a cached prompt prefix (part of --input), read on a hit and written on a miss')
    .option('--cache-hit-rate <rate>', 'share of calls that find --cache-prefix in the cache, 0–1')
    .option('--sessions-per-month <n>', 'sessions an average user runs per month')
    .option('--arpu <usd>', 'average revenue per user per month, in dollars')
    .option('--max-cost-share <rate>', 'AI cost ceiling as a share of ARPU (default: config, 0.25)')
    .option('--min-margin <rate>', 'gross margin floor after AI cost (default: config, 0.4)')
    .option('--price-input <usd>', 'input price in $/M tokens (a custom model, or a what-if over a catalog one)')
    .option('--price-output <usd>', 'output price in $/M tokens')
    .option('--price-cache-read <usd>', 'cache read price in $/M tokens')
    .option('--price-cache-write <usd>', 'cache write (5-minute) price in $/M tokens')
    .option('--scenario <file>', 'a YAML or JSON file of several features, overheads, ARPU and active users')
    .option('--at <date>', 'use the prices in force at this date (default: now)')
    .option('--json', 'print JSON for scripts')
    .addHelpText('after', examples)
    .action((options: EstimateOptions) => runEstimate(options, context));
}

/** Runs one estimate from parsed options and prints it; `unitcost start` uses it for its worked example. */
export function runEstimate(options: EstimateOptions, context: CliContext): void {
  const app = context.app();
  const spelling = { prefix: '--', missingHint: ' (or use --scenario)' };
  const flags: EstimateFlags = {};
  for (const [option, value] of Object.entries(options)) {
    const flag = kebab(option) as EstimateFlagName;
    if (typeof value === 'string' && estimateFlagNames.includes(flag)) flags[flag] = value;
  }
  if (!options.scenario) {
    const report = estimateFromFlags(app, flags, spelling);
    context.io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, undefined));
    return;
  }
  const given = featureFlags.filter((flag) => options[flag] !== undefined).map((flag) => `--${kebab(flag)}`);
  if (given.length > 0) {
    throw new UnitcostError('invalid_argument', `${given.join(', ')} cannot be combined with --scenario: the file describes each feature`, { field: given[0]! });
  }
  const at = options.at ? parseDateOption(options.at, '--at') : app.now();
  const loaded = loadScenarioFile(options.scenario);
  const scenario = loaded.shape(thresholdsFromFlags(app, flags, spelling));
  if (options.arpu !== undefined) scenario.arpuUsd = arpuFromFlag(options.arpu, spelling);
  // Thresholds given on the command line win over the file's.
  const flagThresholds = thresholdsFromFlags(app, flags, spelling);
  if (options.maxCostShare !== undefined) scenario.thresholds.maxCostShareOfArpu = flagThresholds.maxCostShareOfArpu;
  if (options.minMargin !== undefined) scenario.thresholds.minInferenceMargin = flagThresholds.minInferenceMargin;
  const result = estimateScenario(scenario, app.catalog, at.getTime());
  if (!result.ok) throw loaded.issueError(result.issues);
  const report = estimateReport(result.estimate, at.getTime());
  context.io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, loaded.scenario.name ?? loaded.file));
}

function kebab(option: string): string {
  return option.replace(/([A-Z])/g, '-$1').replace(/(\d+h)$/, '-$1').toLowerCase();
}

function usdOrDash(value: number | null): string {
  return value === null ? '—' : formatUsd(value);
}

function tokenCount(value: number): string {
  return Number(value.toFixed(2)).toLocaleString('en-US');
}

function renderReport(report: EstimateReport, scenarioName: string | undefined): string {
  const parts: string[] = [];
  const single = report.features.length === 1 && !scenarioName ? report.features[0]! : null;
  const modelNames = [...new Set(report.models.map((model) => `${model.provider}/${model.model}`))].join(', ');
  parts.push(`${scenarioName ? `Scenario ${scenarioName}` : `Estimate for ${modelNames}`}, prices at ${report.priced_at.slice(0, 10)}\n`);

  const summary: string[][] = [];
  if (single) {
    summary.push(['per call', formatUsd(single.per_call_usd)]);
    summary.push([`per session (${single.calls_per_session} call${single.calls_per_session === 1 ? '' : 's'})`, formatUsd(single.per_session_usd)]);
    if (single.sessions_per_user_month !== null) summary.push([`per user / month (${single.sessions_per_user_month} sessions)`, usdOrDash(single.per_user_month_usd)]);
  } else {
    const rows = report.features.map((feature) => [
      feature.name,
      report.models.filter((model) => model.feature === feature.name).map((model) => `${model.provider}/${model.model}${model.share < 1 ? ` ${percent(model.share)}` : ''}`).join(', '),
      formatUsd(feature.per_call_usd),
      `${formatUsd(feature.per_session_usd)} (${feature.calls_per_session})`,
      String(feature.sessions_per_user_month ?? '—'),
      usdOrDash(feature.per_user_month_usd),
    ]);
    parts.push(formatTable(['feature', 'models', 'per call', 'per session (calls)', 'sessions / user / month', 'per user / month'], rows, [2, 3, 4, 5]));
    if (report.overheads.length > 0) {
      parts.push(formatTable(['overhead', 'basis', 'per user / month'], report.overheads.map((overhead) => [overhead.name, overheadBasis(overhead.kind, overhead.amount, report.active_users), formatUsd(overhead.per_user_month_usd)]), [2]));
    }
    summary.push(['inference per user / month', usdOrDash(report.inference_per_user_month_usd)]);
    if (report.overheads_per_user_month_usd !== null) summary.push(['overheads per user / month', formatUsd(report.overheads_per_user_month_usd)]);
    summary.push(['total AI cost per user / month', usdOrDash(report.per_user_month_usd)]);
  }
  if (report.arpu_usd !== null) {
    summary.push(['ARPU', formatUsd(report.arpu_usd)]);
    summary.push(['share of ARPU', report.cost_share_of_arpu === null ? '—' : percent(report.cost_share_of_arpu)]);
    summary.push(['gross margin', report.gross_margin === null ? '—' : percent(report.gross_margin)]);
    summary.push(['verdict', report.verdict ?? '—']);
  }
  parts.push(formatTable(['estimate', 'value'], summary, [1]));
  for (const breach of report.breaches) parts.push(`  ! ${breach.explanation}\n`);
  if (report.arpu_usd === null) parts.push('(give --arpu and --sessions-per-month for the share of ARPU, the margin and a verdict)\n');

  const breakdown = report.breakdown.flatMap((row) =>
    Object.entries(row.by_token_class).map(([tokenClass, cost]) => [
      ...(single ? [] : [row.feature]),
      row.model,
      percent(row.share),
      tokenClass.replace(/_/g, ' '),
      tokenCount(cost.tokens_per_session),
      formatUsd(cost.per_call_usd),
      formatUsd(cost.per_session_usd),
      usdOrDash(cost.per_user_month_usd),
    ]),
  );
  parts.push('\nBreakdown by model and token class (weighted by each model\'s share of calls)\n');
  const breakdownHead = ['model', 'share', 'token class', 'tokens / session', 'per call', 'per session', 'per user / month'];
  parts.push(formatTable(single ? breakdownHead : ['feature', ...breakdownHead], breakdown, single ? [1, 3, 4, 5, 6] : [2, 4, 5, 6, 7]));

  for (const feature of report.features) {
    if (!feature.cache) continue;
    const cache = feature.cache;
    parts.push(`\nPrompt caching${single ? '' : ` — ${feature.name}`}: a ${tokenCount(cache.prefix_tokens)}-token prefix hit ${percent(cache.hit_rate)} of the time\n`);
    const rows = [
      ['per session without caching', formatUsd(cache.per_session_without_cache_usd)],
      ['per session with caching (expected)', formatUsd(cache.per_session_with_cache_usd)],
      ['savings per session', `${formatUsd(cache.savings_per_session_usd)} (${percent(cache.savings_share)})`],
      ['break-even hit rate', cache.break_even_hit_rate === null ? 'never pays' : percent(cache.break_even_hit_rate)],
    ];
    parts.push(formatTable(['prompt caching', 'value'], rows, [1]));
    parts.push('  break-even R* = (write − input) / (write − read): above it, caching costs less than sending the prefix fresh\n');
  }

  parts.push('\nPrices used ($ per million tokens)\n');
  const priceRows = report.models.map((model) => [
    ...(single ? [] : [model.feature]),
    `${model.provider}/${model.model}`,
    model.price_sources.join(', '),
    priceCell(model.prices_usd_per_million, 'input'),
    priceCell(model.prices_usd_per_million, 'cache_read'),
    priceCell(model.prices_usd_per_million, 'cache_write_5m'),
    priceCell(model.prices_usd_per_million, 'output'),
    model.long_context_tiers.map((tier) => `>${tokenCount(tier.input_above)}: ${tier.prices_usd_per_million.input}/${tier.prices_usd_per_million.output}`).join('; ') || '—',
    model.calls_by_tier.map((tier) => `${tier.calls} at ${tier.input_above === null ? 'base' : `>${tokenCount(tier.input_above)}`}`).join(', '),
  ]);
  const priceHead = ['model', 'source', 'input', 'cache read', 'cache write', 'output', 'long context (in/out)', 'calls per session by tier'];
  parts.push(formatTable(single ? priceHead : ['feature', ...priceHead], priceRows, single ? [2, 3, 4, 5] : [3, 4, 5, 6]));

  parts.push('\nAssumptions\n');
  parts.push('  - input counts the whole prompt, cached tokens included; output counts reasoning tokens.\n');
  for (const feature of report.features) {
    const label = single ? '' : `${feature.name}: `;
    if (feature.context_growth > 0) {
      parts.push(`  - ${label}step k sends input + (k−1) × ${tokenCount(feature.context_growth)} tokens; the last of ${feature.calls_per_session} steps sends ${tokenCount(feature.largest_prompt_tokens)}; each step is priced at its own tier.\n`);
    }
    if (feature.cache) {
      parts.push(`  - ${label}each call reads the ${tokenCount(feature.cache.prefix_tokens)}-token prefix from the cache with probability ${feature.cache.hit_rate} and writes it (5-minute cache) otherwise${feature.context_growth > 0 ? '; the growing context is billed as fresh input' : ''}.\n`);
    }
  }
  if (report.arpu_usd !== null) {
    parts.push(`  - thresholds: AI cost at most ${percent(report.thresholds.max_cost_share_of_arpu)} of ARPU, gross margin at least ${percent(report.thresholds.min_inference_margin)}.\n`);
  }
  for (const warning of report.warnings) parts.push(`  ! ${warning}\n`);
  return parts.join('');
}

function priceCell(prices: PriceTable, tokenClass: keyof PriceTable): string {
  const price = prices[tokenClass];
  return price === undefined ? '—' : String(price);
}

function overheadBasis(kind: string, amount: number, activeUsers: number | null): string {
  if (kind === 'usd_per_month') return `${formatUsd(amount)} / month over ${activeUsers?.toLocaleString('en-US')} users`;
  if (kind === 'usd_per_user_month') return `${formatUsd(amount)} per user / month`;
  return `${amount}% of inference`;
}
