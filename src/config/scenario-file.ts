import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { priceFieldsSchema, pricesFromFields } from '../core/catalog/catalog-overrides.js';
import { describeIssue, type EstimateIssue } from '../core/estimate/estimate-issue.js';
import type { ScenarioShape } from '../core/estimate/estimate-scenario.js';
import type { FeatureShape } from '../core/estimate/feature-shape.js';
import type { ViabilityThresholds } from '../core/estimate/judge-viability.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { lineOf, parseLocated } from './parse-located.js';

// Token counts are whole tokens; providers never bill a fraction of one.
const tokens = z.number().int().nonnegative();
// Hit rates, route shares and thresholds are probabilities or shares, so 0–1 (write 0.8, not 80).
const rate = z.number().min(0).max(1);
const dollars = z.number().finite().nonnegative();

const featureSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    model: z.string().min(1).optional(),
    // A map keeps each model on its own line, so an unknown model's error can point at it.
    route: z.record(z.string().min(1), rate).optional(),
    prices: priceFieldsSchema.strict().optional(),
    input: tokens,
    output: tokens,
    cached: tokens.optional(),
    cache_write: tokens.optional(),
    cache_write_1h: tokens.optional(),
    reasoning: tokens.optional(),
    calls_per_session: z.number().int().positive().optional(),
    context_growth: tokens.optional(),
    max_steps: z.number().int().positive().optional(),
    cache_prefix: tokens.optional(),
    cache_hit_rate: rate.optional(),
    // Required: a scenario exists to add features up per user, which needs how often each one runs.
    sessions_per_user_month: z.number().finite().nonnegative(),
  })
  .strict();

const overheadSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    usd_per_month: dollars.optional(),
    usd_per_user_month: dollars.optional(),
    percent_of_inference: z.number().finite().nonnegative().optional(),
  })
  .strict();

/** A scenario file: several AI features of one product, their overheads and the revenue they must fit in. */
export const scenarioFileSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().optional(),
    description: z.string().optional(),
    arpu: z.number().finite().positive().optional(),
    active_users: z.number().int().positive().optional(),
    thresholds: z.object({ max_cost_share_of_arpu: rate.optional(), min_inference_margin: rate.optional() }).strict().optional(),
    features: z.array(featureSchema).min(1),
    overheads: z.array(overheadSchema).default([]),
  })
  .strict();

/** A validated scenario file. */
export type ScenarioFile = z.infer<typeof scenarioFileSchema>;

/** A scenario read from disk, with what is needed to point later errors at its lines. */
export interface LoadedScenario {
  file: string;
  scenario: ScenarioFile;
  /** The scenario as the estimate takes it; its thresholds override the base ones where it sets them. */
  shape: (baseThresholds: ViabilityThresholds) => ScenarioShape;
  /** An error naming file, line and field for every issue the estimate found. */
  issueError: (issues: EstimateIssue[]) => UnitcostError;
}

/** Reads and validates a YAML or JSON scenario file; every error names the file, the line and the field. */
export function loadScenarioFile(path: string, directory: string = process.cwd()): LoadedScenario {
  const file = resolve(directory, path);
  if (!existsSync(file)) throw new UnitcostError('invalid_argument', `scenario file not found: ${file}`, { field: 'scenario', file });
  const text = readFileSync(file, 'utf8');
  const scenario = parseLocated(text, file, scenarioFileSchema);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  return {
    file,
    scenario,
    shape: (baseThresholds) => scenarioShapeFromFile(scenario, baseThresholds),
    issueError: (issues) => {
      const lines = issues.map((issue) => {
        const path = scenarioPath(issue);
        const line = lineOf(document, lineCounter, path);
        return { line, field: fieldLabel(path), text: `${file}:${line}: ${fieldLabel(path)}: ${describeIssue(issue, scenarioFieldName)}` };
      });
      const first = lines[0]!;
      const suggestions = issues.find((issue) => issue.suggestions?.length)?.suggestions;
      const code = issues.some((issue) => issue.code === 'unknown_model') ? 'unknown_model' : 'invalid_config';
      return new UnitcostError(code, lines.map((entry) => entry.text).join('\n'), {
        file,
        line: first.line,
        field: first.field,
        ...(suggestions ? { suggestions } : {}),
      });
    },
  };
}

/** A validated scenario as the estimate takes it; its thresholds override the base ones where it sets them. */
export function scenarioShapeFromFile(scenario: ScenarioFile, base: ViabilityThresholds): ScenarioShape {
  return {
    features: scenario.features.map((feature) => ({ name: feature.name, shape: featureShape(feature) })),
    overheads: scenario.overheads.map((overhead) => ({
      name: overhead.name,
      ...(overhead.usd_per_month === undefined ? {} : { usdPerMonth: overhead.usd_per_month }),
      ...(overhead.usd_per_user_month === undefined ? {} : { usdPerUserMonth: overhead.usd_per_user_month }),
      ...(overhead.percent_of_inference === undefined ? {} : { percentOfInference: overhead.percent_of_inference }),
    })),
    ...(scenario.arpu === undefined ? {} : { arpuUsd: scenario.arpu }),
    ...(scenario.active_users === undefined ? {} : { activeUsers: scenario.active_users }),
    thresholds: {
      maxCostShareOfArpu: scenario.thresholds?.max_cost_share_of_arpu ?? base.maxCostShareOfArpu,
      minInferenceMargin: scenario.thresholds?.min_inference_margin ?? base.minInferenceMargin,
    },
  };
}

function featureShape(feature: ScenarioFile['features'][number]): FeatureShape {
  const shape: FeatureShape = { input: feature.input, output: feature.output, sessionsPerMonth: feature.sessions_per_user_month };
  if (feature.model !== undefined) shape.model = feature.model;
  if (feature.route !== undefined) shape.route = Object.entries(feature.route).map(([model, share]) => ({ model, share }));
  if (feature.prices !== undefined) shape.prices = pricesFromFields(feature.prices);
  const optional: Array<[keyof FeatureShape, number | undefined]> = [
    ['cached', feature.cached],
    ['cacheWrite', feature.cache_write],
    ['cacheWrite1h', feature.cache_write_1h],
    ['reasoning', feature.reasoning],
    ['calls', feature.calls_per_session],
    ['contextGrowth', feature.context_growth],
    ['maxSteps', feature.max_steps],
    ['cachePrefix', feature.cache_prefix],
    ['cacheHitRate', feature.cache_hit_rate],
  ];
  for (const [key, value] of optional) if (value !== undefined) (shape as unknown as Record<string, number>)[key] = value;
  return shape;
}

// How the estimate's logical field names are spelt in a scenario file.
const featureKeys: Record<string, string> = {
  cacheWrite: 'cache_write',
  cacheWrite1h: 'cache_write_1h',
  calls: 'calls_per_session',
  contextGrowth: 'context_growth',
  maxSteps: 'max_steps',
  cachePrefix: 'cache_prefix',
  cacheHitRate: 'cache_hit_rate',
  sessionsPerMonth: 'sessions_per_user_month',
};
const scenarioKeys: Record<string, string[]> = {
  activeUsers: ['active_users'],
  maxCostShare: ['thresholds', 'max_cost_share_of_arpu'],
  minMargin: ['thresholds', 'min_inference_margin'],
};
const priceKeys: Record<string, string> = {
  cacheRead: 'cache_read',
  cacheWrite5m: 'cache_write',
  cacheWrite1h: 'cache_write_1h',
  inputAudio: 'input_audio',
  outputAudio: 'output_audio',
  requestUsd: 'per_request_usd',
};

/** Where an estimate issue sits in a scenario file, as a path of its keys and list indexes. */
export function scenarioPath(issue: EstimateIssue): Array<string | number> {
  const [key, ...rest] = issue.path;
  const name = String(key);
  if (issue.feature === undefined) return [...(scenarioKeys[name] ?? [name]), ...rest];
  const tail = name === 'prices' ? rest.map((part) => priceKeys[String(part)] ?? part) : rest;
  return ['features', issue.feature, featureKeys[name] ?? name, ...tail];
}

function scenarioFieldName(field: string): string {
  const [key, sub] = field.split('.') as [string, string | undefined];
  if (sub !== undefined) return `${featureKeys[key] ?? key}.${priceKeys[sub] ?? sub}`;
  return scenarioKeys[key]?.join('.') ?? featureKeys[key] ?? key;
}

function fieldLabel(path: Array<string | number>): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${part}`)).join('');
}
