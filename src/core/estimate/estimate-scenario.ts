import type { PriceCatalog } from '../catalog/price-catalog.js';
import { PICODOLLARS_PER_USD } from '../cost/picodollars.js';
import type { EstimateIssue } from './estimate-issue.js';
import { estimateFeature, type FeatureEstimate } from './estimate-feature.js';
import { routeOf, validateFeatureShape, type FeatureShape } from './feature-shape.js';
import { judgeViability, type Viability, type ViabilityThresholds } from './judge-viability.js';
import { resolvePricedModel, type PricedModel } from './resolve-priced-model.js';

/** A cost besides inference that serving AI features brings: embeddings, a vector database, human review. */
export interface OverheadShape {
  name: string;
  /** A flat monthly bill, spread over the active users. */
  usdPerMonth?: number;
  /** A cost that grows with users. */
  usdPerUserMonth?: number;
  /** A cost that grows with inference, as a percentage of the inference cost (10 is 10%). */
  percentOfInference?: number;
}

/** Several features of one product, their shared overheads, and the revenue they are judged against. */
export interface ScenarioShape {
  features: Array<{ name: string; shape: FeatureShape }>;
  overheads?: OverheadShape[];
  /** Average revenue per user per month, in dollars. */
  arpuUsd?: number;
  /** Users active in a month, to spread monthly overheads per user. */
  activeUsers?: number;
  thresholds: ViabilityThresholds;
}

/** An overhead's cost per user per month. */
export interface OverheadEstimate {
  name: string;
  kind: 'usd_per_month' | 'usd_per_user_month' | 'percent_of_inference';
  /** The amount as given: dollars, dollars per user, or a percentage. */
  amount: number;
  /** Picodollars per user per month. */
  perUserMonth: number;
}

/** A scenario's costs per user per month and its verdict. */
export interface ScenarioEstimate {
  features: Array<{ name: string; estimate: FeatureEstimate }>;
  overheads: OverheadEstimate[];
  /** Picodollars per user per month; null when a feature lacks sessions per month. */
  inferencePerUserMonth: number | null;
  overheadsPerUserMonth: number | null;
  totalPerUserMonth: number | null;
  arpuUsd: number | null;
  activeUsers: number | null;
  thresholds: ViabilityThresholds;
  /** Null without ARPU. */
  viability: Viability | null;
  /** Things that hold the estimate up but deserve a look, such as a prompt beyond a model's context window. */
  warnings: string[];
}

/** An estimate, or every issue that prevents one. */
export type ScenarioResult = { ok: true; estimate: ScenarioEstimate } | { ok: false; issues: EstimateIssue[] };

/**
 * The estimate service: validates a scenario, resolves its models through the catalog at an instant,
 * prices each feature, adds the overheads and judges the total against ARPU. Bad input comes back as
 * issues for the surface to name in its own terms.
 */
export function estimateScenario(scenario: ScenarioShape, catalog: PriceCatalog, timeMs: number): ScenarioResult {
  const issues = [...validateScenario(scenario), ...scenario.features.flatMap(({ shape }, index) => validateFeatureShape(shape, index))];
  if (issues.length > 0) return { ok: false, issues };

  const resolved: PricedModel[][] = [];
  scenario.features.forEach(({ shape }, feature) => {
    const models: PricedModel[] = [];
    for (const { model: query } of routeOf(shape)) {
      const lookup = resolvePricedModel(catalog, shape.model === undefined && shape.route === undefined ? undefined : query, timeMs, shape.prices);
      if (lookup.found) {
        models.push(lookup.model);
        continue;
      }
      const path = shape.route ? ['route', query] : lookup.code === 'invalid_argument' ? ['prices'] : ['model'];
      issues.push({ code: lookup.code, feature, path, message: lookup.reason, suggestions: lookup.suggestions });
    }
    resolved.push(models);
  });
  if (issues.length > 0) return { ok: false, issues };

  const features: ScenarioEstimate['features'] = [];
  for (const [index, { name, shape }] of scenario.features.entries()) {
    try {
      features.push({ name, estimate: estimateFeature(shape, resolved[index]!) });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      issues.push({
        code: 'invalid_argument',
        feature: index,
        path: ['input'],
        message: `one call would cost more than $9,007, beyond what can be counted exactly; check {input}, {output} and {contextGrowth} (${error.message})`,
      });
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, estimate: totals(scenario, features) };
}

function validateScenario(scenario: ScenarioShape): EstimateIssue[] {
  const issues: EstimateIssue[] = [];
  const add = (path: Array<string | number>, message: string): void => {
    issues.push({ code: 'invalid_argument', path, message });
  };
  const { arpuUsd, activeUsers, thresholds } = scenario;
  if (arpuUsd !== undefined && !(Number.isFinite(arpuUsd) && arpuUsd > 0)) {
    add(['arpu'], `{arpu} must be a positive number of dollars per user per month (got ${arpuUsd})`);
  }
  if (activeUsers !== undefined && !(Number.isSafeInteger(activeUsers) && activeUsers >= 1)) {
    add(['activeUsers'], `{activeUsers} must be a whole number of users, 1 or more (got ${activeUsers})`);
  }
  for (const [field, value] of [['maxCostShare', thresholds.maxCostShareOfArpu], ['minMargin', thresholds.minInferenceMargin]] as const) {
    if (!(value >= 0 && value <= 1)) add([field], `{${field}} must be a rate between 0 and 1, such as 0.25 (got ${value})`);
  }
  const needsMonthly = arpuUsd !== undefined || (scenario.overheads ?? []).length > 0;
  scenario.features.forEach(({ shape }, feature) => {
    if (needsMonthly && shape.sessionsPerMonth === undefined) {
      issues.push({
        code: 'invalid_argument',
        feature,
        path: ['sessionsPerMonth'],
        message: `{sessionsPerMonth} is needed with ${arpuUsd !== undefined ? '{arpu}' : 'overheads'}: it turns a session's cost into a user's monthly cost`,
      });
    }
  });
  (scenario.overheads ?? []).forEach((overhead, index) => {
    const given = overheadKinds(overhead);
    if (given.length !== 1) {
      add(['overheads', index], `{overheads} "${overhead.name}" needs exactly one of usd_per_month, usd_per_user_month or percent_of_inference`);
      return;
    }
    const [kind, amount] = given[0]!;
    if (!(Number.isFinite(amount) && amount >= 0)) add(['overheads', index, kind], `{overheads} "${overhead.name}": ${kind} must be 0 or more (got ${amount})`);
    if (kind === 'usd_per_month' && activeUsers === undefined) {
      add(['overheads', index, kind], `{overheads} "${overhead.name}" is a monthly bill; {activeUsers} is needed to spread it per user`);
    }
  });
  return issues;
}

function overheadKinds(overhead: OverheadShape): Array<[OverheadEstimate['kind'], number]> {
  const kinds: Array<[OverheadEstimate['kind'], number | undefined]> = [
    ['usd_per_month', overhead.usdPerMonth],
    ['usd_per_user_month', overhead.usdPerUserMonth],
    ['percent_of_inference', overhead.percentOfInference],
  ];
  return kinds.filter((entry): entry is [OverheadEstimate['kind'], number] => entry[1] !== undefined);
}

function totals(scenario: ScenarioShape, features: ScenarioEstimate['features']): ScenarioEstimate {
  const monthly = features.map(({ estimate }) => estimate.perUserMonth?.total);
  const inference = monthly.every((value) => value !== undefined) ? monthly.reduce((sum: number, value) => sum + value!, 0) : null;
  const overheads: OverheadEstimate[] = (scenario.overheads ?? []).map((overhead) => {
    const [kind, amount] = overheadKinds(overhead)[0]!;
    const perUserMonth =
      kind === 'usd_per_month'
        ? (amount * PICODOLLARS_PER_USD) / scenario.activeUsers!
        : kind === 'usd_per_user_month'
          ? amount * PICODOLLARS_PER_USD
          : ((inference ?? 0) * amount) / 100;
    return { name: overhead.name, kind, amount, perUserMonth };
  });
  const overheadTotal = inference === null ? null : overheads.reduce((sum, overhead) => sum + overhead.perUserMonth, 0);
  const total = inference === null ? null : inference + overheadTotal!;
  const viability = total !== null && scenario.arpuUsd !== undefined ? judgeViability(total, scenario.arpuUsd, scenario.thresholds) : null;
  return {
    features,
    overheads,
    inferencePerUserMonth: inference,
    overheadsPerUserMonth: overheadTotal,
    totalPerUserMonth: total,
    arpuUsd: scenario.arpuUsd ?? null,
    activeUsers: scenario.activeUsers ?? null,
    thresholds: scenario.thresholds,
    viability,
    warnings: features.flatMap(({ name, estimate }) => contextWarnings(name, estimate)),
  };
}

function contextWarnings(name: string, estimate: FeatureEstimate): string[] {
  const needed = estimate.largestPrompt + estimate.shape.output;
  return estimate.models.flatMap(({ model }) =>
    model.contextWindow !== undefined && needed > model.contextWindow
      ? [
          `${name}: the largest call (${needed.toLocaleString('en-US')} tokens of prompt and output) exceeds ${model.provider}/${model.model}'s context window of ${model.contextWindow.toLocaleString('en-US')} tokens`,
        ]
      : [],
  );
}
