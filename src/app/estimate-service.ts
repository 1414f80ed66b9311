import type { PricePerMillion } from '../core/catalog/rate-card.js';
import { describeIssue, type EstimateIssue } from '../core/estimate/estimate-issue.js';
import { estimateReport, type EstimateReport } from '../core/estimate/estimate-report.js';
import { estimateScenario, type ScenarioShape } from '../core/estimate/estimate-scenario.js';
import type { FeatureShape, RouteShare } from '../core/estimate/feature-shape.js';
import { percent } from '../core/estimate/judge-viability.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { parseLocated } from '../config/parse-located.js';
import { scenarioFileSchema, scenarioPath, scenarioShapeFromFile } from '../config/scenario-file.js';
import type { App } from './create-app.js';
import { parseInstant } from './parse-instant.js';

/*
 * The estimate behind `GET/POST /v1/estimate`: the same parsing and the same JSON as `unitcost estimate
 * --json`. The flags arrive as strings named like the CLI's (`cache-write`, `price-input`…), so a URL
 * reads like the command line; a scenario arrives as the JSON of a scenario file.
 */

/** The estimate's flags by their command-line names without the dashes, each value as typed. */
export const estimateFlagNames = [
  'model',
  'route',
  'input',
  'output',
  'cached',
  'cache-write',
  'cache-write-1h',
  'reasoning',
  'calls',
  'context-growth',
  'max-steps',
  'cache-prefix',
  'cache-hit-rate',
  'sessions-per-month',
  'arpu',
  'max-cost-share',
  'min-margin',
  'price-input',
  'price-output',
  'price-cache-read',
  'price-cache-write',
  'at',
] as const;

/** One flag's name. */
export type EstimateFlagName = (typeof estimateFlagNames)[number];

/** Flags as a URL carries them. */
export type EstimateFlags = Partial<Record<EstimateFlagName, string>>;

/** How errors spell the flags: `--input` on the command line, `input` in a URL; and what to add when a required one is missing. */
export interface FlagSpelling {
  prefix?: string;
  missingHint?: string;
}

/** Estimates one feature described by flags, as `unitcost estimate --model … --input … --json` does. */
export function estimateFromFlags(app: App, flags: EstimateFlags, spelling: FlagSpelling = {}): EstimateReport {
  const spell = (flag: string): string => `${spelling.prefix ?? ''}${flag}`;
  const at = flags.at === undefined ? app.now() : parseInstant(flags.at, spell('at'));
  const thresholds = thresholdsFrom(app, flags, spell);
  const shape = featureShapeFromFlags(flags, spell, spelling.missingHint ?? '');
  const arpu = flags.arpu === undefined ? undefined : positiveDollars(flags.arpu, spell);
  const scenario: ScenarioShape = { features: [{ name: featureName(shape), shape }], thresholds, ...(arpu === undefined ? {} : { arpuUsd: arpu }) };
  const result = estimateScenario(scenario, app.catalog, at.getTime());
  if (!result.ok) throw issuesError(result.issues, (field) => spell(flagFieldName(field)));
  return estimateReport(result.estimate, at.getTime());
}

/** The thresholds a command line or URL sets, over the config's; for the scenario path, which takes flags too. */
export function thresholdsFromFlags(app: App, flags: EstimateFlags, spelling: FlagSpelling = {}): ScenarioShape['thresholds'] {
  return thresholdsFrom(app, flags, (flag) => `${spelling.prefix ?? ''}${flag}`);
}

/** A positive ARPU in dollars, from a flag. */
export function arpuFromFlag(value: string, spelling: FlagSpelling = {}): number {
  return positiveDollars(value, (flag) => `${spelling.prefix ?? ''}${flag}`);
}

/**
 * Estimates a scenario given as the JSON (or YAML) text of a scenario file, as `unitcost estimate
 * --scenario FILE --json` does; errors name the line and field of the text.
 */
export function estimateFromScenarioText(app: App, text: string, options: { at?: string } = {}): EstimateReport {
  const at = options.at === undefined ? app.now() : parseInstant(options.at, 'at');
  const file = parseLocated(text, 'request body', scenarioFileSchema);
  const scenario = scenarioShapeFromFile(file, thresholdsFrom(app, {}, (flag) => flag));
  const result = estimateScenario(scenario, app.catalog, at.getTime());
  if (!result.ok) throw issuesError(result.issues, (field) => field, scenarioFieldPath);
  return estimateReport(result.estimate, at.getTime());
}

function thresholdsFrom(app: App, flags: EstimateFlags, spell: (flag: string) => string): ScenarioShape['thresholds'] {
  return {
    maxCostShareOfArpu: rate(flags['max-cost-share'], spell('max-cost-share')) ?? app.config.thresholds.max_cost_share_of_arpu,
    minInferenceMargin: rate(flags['min-margin'], spell('min-margin')) ?? app.config.thresholds.min_inference_margin,
  };
}

function featureShapeFromFlags(flags: EstimateFlags, spell: (flag: string) => string, missingHint: string): FeatureShape {
  for (const flag of ['input', 'output'] as const) {
    if (flags[flag] === undefined) {
      const what = flag === 'input' ? 'the prompt tokens of one call, cached ones included' : 'the generated tokens of one call, reasoning included';
      throw new UnitcostError('invalid_argument', `${spell(flag)} is required: ${what}${missingHint}`, { field: spell(flag) });
    }
  }
  const shape: FeatureShape = { input: tokens(flags.input, spell('input'))!, output: tokens(flags.output, spell('output'))! };
  if (flags.model !== undefined) shape.model = flags.model;
  if (flags.route !== undefined) shape.route = route(flags.route, spell('route'));
  const counts: Array<[keyof FeatureShape, number | undefined]> = [
    ['cached', tokens(flags.cached, spell('cached'))],
    ['cacheWrite', tokens(flags['cache-write'], spell('cache-write'))],
    ['cacheWrite1h', tokens(flags['cache-write-1h'], spell('cache-write-1h'))],
    ['reasoning', tokens(flags.reasoning, spell('reasoning'))],
    ['calls', tokens(flags.calls, spell('calls'))],
    ['contextGrowth', tokens(flags['context-growth'], spell('context-growth'))],
    ['maxSteps', tokens(flags['max-steps'], spell('max-steps'))],
    ['cachePrefix', tokens(flags['cache-prefix'], spell('cache-prefix'))],
    ['cacheHitRate', rate(flags['cache-hit-rate'], spell('cache-hit-rate'))],
    ['sessionsPerMonth', flags['sessions-per-month'] === undefined ? undefined : number(flags['sessions-per-month'], 'sessions-per-month', 'a number of sessions')],
  ];
  for (const [key, value] of counts) if (value !== undefined) (shape as unknown as Record<string, number>)[key] = value;
  const prices: PricePerMillion = {};
  const priceFlags: Array<[EstimateFlagName, keyof PricePerMillion]> = [
    ['price-input', 'input'],
    ['price-output', 'output'],
    ['price-cache-read', 'cacheRead'],
    ['price-cache-write', 'cacheWrite5m'],
  ];
  for (const [flag, tokenClass] of priceFlags) {
    const value = flags[flag];
    if (value !== undefined) prices[tokenClass] = number(value, spell(flag), 'a price in $ per million tokens');
  }
  if (Object.keys(prices).length > 0) shape.prices = prices;
  return shape;
}

function featureName(shape: FeatureShape): string {
  if (shape.route) return shape.route.map((entry) => `${entry.model} ${percent(entry.share)}`).join(' + ');
  return shape.model ?? 'custom';
}

/** A count: digits with optional _ or , separators and a k or M suffix, as the CLI reads it. */
function tokens(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(-?[\d_,]*\.?\d+)\s*([kKmM])?\s*$/.exec(value);
  const parsed = match ? Number(match[1]!.replace(/[_,]/g, '')) * (match[2] ? (match[2].toLowerCase() === 'k' ? 1_000 : 1_000_000) : 1) : Number.NaN;
  if (!Number.isFinite(parsed)) throw new UnitcostError('invalid_argument', `${flag} must be a whole number, such as 2000 or 2k (got "${value}")`, { field: flag });
  return parsed;
}

function number(value: string, flag: string, what: string): number {
  const parsed = value.trim() === '' ? Number.NaN : Number(value.replace(/^\$/, ''));
  if (!Number.isFinite(parsed)) throw new UnitcostError('invalid_argument', `${flag} must be ${what} (got "${value}")`, { field: flag });
  return parsed;
}

function positiveDollars(value: string, spell: (flag: string) => string): number {
  const arpu = number(value, spell('arpu'), 'a positive number of dollars per user per month');
  if (arpu <= 0) throw new UnitcostError('invalid_argument', `${spell('arpu')} must be a positive number of dollars per user per month (got "${value}")`, { field: spell('arpu') });
  return arpu;
}

function rate(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const isPercent = value.trim().endsWith('%');
  const parsed = number(isPercent ? value.trim().slice(0, -1) : value, flag, 'a rate between 0 and 1, such as 0.8 or 80%');
  const result = isPercent ? parsed / 100 : parsed;
  if (result < 0 || result > 1) throw new UnitcostError('invalid_argument', `${flag} must be a rate between 0 and 1, such as 0.8 or 80% (got "${value}")`, { field: flag });
  return result;
}

function route(value: string, flag: string): RouteShare[] {
  return value
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const match = /^\s*([^=]+?)\s*=\s*(\S+)\s*$/.exec(part);
      if (!match) {
        throw new UnitcostError('invalid_argument', `${flag} must be model=share pairs separated by commas, such as "deepseek-v4-pro=0.8,claude-opus-4-7=0.2" (got "${part.trim()}")`, { field: flag });
      }
      const share = match[2]!.endsWith('%') ? number(match[2]!.slice(0, -1), flag, 'shares between 0 and 1') / 100 : number(match[2]!, flag, 'shares between 0 and 1');
      return { model: match[1]!, share };
    });
}

/** The flag spelling of a logical field: cacheWrite1h → cache-write-1h, prices.cacheRead → price-cache-read. */
function flagFieldName(field: string): string {
  const [key, sub] = field.split('.') as [string, string | undefined];
  const kebab = (name: string): string => name.replace(/([A-Z])/g, '-$1').replace(/(\d+h)$/, '-$1').toLowerCase();
  if (key === 'prices') return sub === undefined ? 'price-*' : `price-${kebab(sub === 'cacheWrite5m' ? 'cacheWrite' : sub)}`;
  if (key === 'sessionsPerMonth') return 'sessions-per-month';
  return kebab(key);
}

// A scenario error names its field as the file spells it: features[0].cache_write, thresholds.min_inference_margin.
function scenarioFieldPath(issue: EstimateIssue): string {
  return scenarioPath(issue)
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join('');
}

function issuesError(issues: EstimateIssue[], nameOf: (field: string) => string, fieldOf: (issue: EstimateIssue) => string = (issue) => nameOf(String(issue.path[0]))): UnitcostError {
  const lines = issues.map((issue) => {
    const text = describeIssue(issue, nameOf);
    return issue.code === 'invalid_argument' ? text : `${fieldOf(issue)}: ${text}`;
  });
  const first = issues[0]!;
  const code = first.code === 'unknown_model' ? 'unknown_model' : first.code === 'unpriced' ? 'unpriced' : 'invalid_argument';
  const suggestions = issues.find((issue) => issue.suggestions?.length)?.suggestions;
  return new UnitcostError(code, lines.join('\n'), { field: fieldOf(first), ...(suggestions ? { suggestions } : {}) });
}

