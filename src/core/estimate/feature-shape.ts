import type { PricePerMillion } from '../catalog/rate-card.js';
import type { EstimateIssue } from './estimate-issue.js';

/** A share of calls routed to one model. */
export interface RouteShare {
  model: string;
  /** The fraction of calls, 0–1; a route's shares sum to 1. */
  share: number;
}

/**
 * What one AI feature does, as napkin math: the tokens of a typical call, how many calls make a session,
 * how the prompt cache behaves, which models serve it and how often a user runs it.
 */
export interface FeatureShape {
  /** A model name for the catalog; absent with inline prices, the model is called "custom". */
  model?: string;
  /** Several models with the share of calls each serves, instead of model. */
  route?: RouteShare[];
  /** $/M prices: a custom model's prices, or a what-if laid over a catalog model's. */
  prices?: PricePerMillion;
  /** Every prompt token of a call, cached ones included (the convention of OpenAI's prompt_tokens). */
  input: number;
  /** Every generated token of a call, reasoning included. */
  output: number;
  /** Prompt tokens read from the cache, part of input. */
  cached?: number;
  /** Prompt tokens written to the 5-minute cache, part of input. */
  cacheWrite?: number;
  /** Prompt tokens written to the 1-hour cache, part of input. */
  cacheWrite1h?: number;
  /** Hidden reasoning tokens, part of output. */
  reasoning?: number;
  /** Calls per session; the step count of an agent when maxSteps is absent. */
  calls?: number;
  /** Tokens each agent step adds to the next step's prompt. */
  contextGrowth?: number;
  /** Steps per agent session. */
  maxSteps?: number;
  /** A prompt prefix, part of input, that is cached with probability cacheHitRate and written otherwise. */
  cachePrefix?: number;
  /** The share of calls that find the prefix in the cache, 0–1. */
  cacheHitRate?: number;
  /** Sessions an average user runs in a month. */
  sessionsPerMonth?: number;
}

/** The models a feature's calls go to, with their shares; "custom" stands for an unnamed inline-priced model. */
export function routeOf(shape: FeatureShape): RouteShare[] {
  if (shape.route) return shape.route;
  return [{ model: shape.model ?? customModelName, share: 1 }];
}

/** The name an unnamed inline-priced model goes by. */
export const customModelName = 'custom';

/** The number of calls in a session: the agent's steps, else the calls, else one. */
export function sessionStepCount(shape: FeatureShape): number {
  return shape.maxSteps ?? shape.calls ?? 1;
}

// Each step of a growing context is priced on its own; beyond this many the estimate stops being instant.
const maxGrowingSteps = 100_000;
// Shares are typed by people (0.8 + 0.15 + 0.05); this absorbs float noise, not real mistakes.
const shareTolerance = 1e-9;

/** Every problem with a feature's shape, or none; the estimate assumes a shape without issues. */
export function validateFeatureShape(shape: FeatureShape, feature?: number): EstimateIssue[] {
  const issues: EstimateIssue[] = [];
  const add = (path: Array<string | number>, message: string): void => {
    issues.push({ code: 'invalid_argument', path, message, ...(feature === undefined ? {} : { feature }) });
  };
  const tokenCount = (field: keyof FeatureShape, minimum = 0): void => {
    const value = shape[field];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
      const noun = field === 'calls' || field === 'maxSteps' ? 'a whole number' : 'a whole number of tokens';
      add([field], `{${field}} must be ${noun}, ${minimum} or more (got ${String(value)})`);
    }
  };
  const rate = (field: keyof FeatureShape): void => {
    const value = shape[field];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      add([field], `{${field}} must be a rate between 0 and 1, such as 0.8 (got ${String(value)})`);
    }
  };

  for (const field of ['input', 'output', 'cached', 'cacheWrite', 'cacheWrite1h', 'reasoning', 'contextGrowth', 'cachePrefix'] as const) {
    tokenCount(field);
  }
  tokenCount('calls', 1);
  tokenCount('maxSteps', 1);
  rate('cacheHitRate');
  if (issues.length > 0) return issues;

  const parts = (['cached', 'cacheWrite', 'cacheWrite1h'] as const).filter((field) => shape[field] !== undefined);
  const cachedParts = parts.reduce((sum, field) => sum + shape[field]!, 0);
  if (cachedParts > shape.input) {
    add(
      [parts[0]!],
      `${parts.map((field) => `{${field}}`).join(' + ')} (${cachedParts} tokens) exceed${parts.length === 1 ? 's' : ''} {input} (${shape.input}): {input} is the whole prompt, cached tokens included`,
    );
  }
  if ((shape.reasoning ?? 0) > shape.output) {
    add(['reasoning'], `{reasoning} (${shape.reasoning}) exceeds {output} (${shape.output}): {output} counts every generated token, reasoning included`);
  }
  validateSession(shape, add);
  validateCaching(shape, add);
  validateModels(shape, add);
  if (shape.sessionsPerMonth !== undefined && !(Number.isFinite(shape.sessionsPerMonth) && shape.sessionsPerMonth >= 0)) {
    add(['sessionsPerMonth'], `{sessionsPerMonth} must be a number of sessions, 0 or more (got ${shape.sessionsPerMonth})`);
  }
  return issues;
}

type AddIssue = (path: Array<string | number>, message: string) => void;

function validateSession(shape: FeatureShape, add: AddIssue): void {
  if (shape.calls !== undefined && shape.maxSteps !== undefined && shape.calls !== shape.maxSteps) {
    add(['maxSteps'], `{maxSteps} (${shape.maxSteps}) and {calls} (${shape.calls}) both set the calls per session; give one`);
  }
  const growth = shape.contextGrowth ?? 0;
  if (growth > 0 && shape.calls === undefined && shape.maxSteps === undefined) {
    add(['contextGrowth'], '{contextGrowth} needs {maxSteps} (or {calls}): the cost of a growing context depends on how many steps a session takes');
  }
  if (growth > 0 && sessionStepCount(shape) > maxGrowingSteps) {
    add(['maxSteps'], `{maxSteps} may be at most ${maxGrowingSteps.toLocaleString('en-US')} with {contextGrowth}: each step is priced on its own`);
  }
}

function validateCaching(shape: FeatureShape, add: AddIssue): void {
  const hasPrefix = shape.cachePrefix !== undefined;
  const hasRate = shape.cacheHitRate !== undefined;
  if (hasPrefix !== hasRate) {
    add([hasPrefix ? 'cachePrefix' : 'cacheHitRate'], '{cachePrefix} and {cacheHitRate} go together: the expected cost needs both the cached tokens and how often they hit');
    return;
  }
  if (!hasPrefix) return;
  if (shape.cachePrefix! > shape.input) {
    add(['cachePrefix'], `{cachePrefix} (${shape.cachePrefix}) exceeds {input} (${shape.input}): the prefix is part of the prompt`);
  }
  if (shape.cached !== undefined || shape.cacheWrite !== undefined || shape.cacheWrite1h !== undefined) {
    add(['cachePrefix'], '{cachePrefix} models the cache reads and writes itself; leave out {cached}, {cacheWrite} and {cacheWrite1h}');
  }
}

function validateModels(shape: FeatureShape, add: AddIssue): void {
  if (shape.model !== undefined && shape.route !== undefined) {
    add(['route'], '{route} and {model} are exclusive: a route names every model with its share');
  }
  if (shape.route !== undefined && shape.prices !== undefined) {
    add(
      ['prices'],
      'inline prices ({prices}) cannot be combined with {route}: one set of prices would not say which of the routed models it replaces; define the model with its prices in the config\'s custom models and route to it by name',
    );
  }
  if (shape.model === undefined && shape.route === undefined && shape.prices === undefined) {
    add(['model'], 'name a model with {model} or {route}, or give inline prices ({prices.input} and {prices.output}) for a custom model');
  }
  for (const [tokenClass, price] of Object.entries(shape.prices ?? {})) {
    if (price !== undefined && !(Number.isFinite(price) && price >= 0)) {
      add(['prices', tokenClass], `{prices.${tokenClass}} must be a price in $ per million tokens, 0 or more (got ${price})`);
    }
  }
  if (shape.route === undefined) return;
  if (shape.route.length === 0) {
    add(['route'], '{route} names no model; write it as model=share pairs that sum to 1');
    return;
  }
  const seen = new Set<string>();
  let sum = 0;
  for (const { model, share } of shape.route) {
    if (!(Number.isFinite(share) && share >= 0 && share <= 1)) {
      add(['route', model], `{route}: the share of ${model} must be between 0 and 1 (got ${share})`);
    }
    if (seen.has(model.toLowerCase())) add(['route', model], `{route} names ${model} twice`);
    seen.add(model.toLowerCase());
    sum += share;
  }
  if (Math.abs(sum - 1) > shareTolerance) {
    add(['route'], `{route}: the shares must sum to 1, but they sum to ${Number(sum.toPrecision(12))}`);
  }
}
