import { distance } from 'fastest-levenshtein';
import type { PriceCatalog } from '../catalog/price-catalog.js';
import { leverFeatures, scenarioLevers, type ScenarioLever, type SimulationScenario } from './scenario-schema.js';

/** A problem of a valid-looking scenario against the recorded traffic and the catalog, at a path of the scenario. */
export interface ScenarioIssue {
  path: Array<string | number>;
  message: string;
  code: 'unknown_model' | 'unknown_feature' | 'conflict';
  suggestions?: string[];
}

/** The models each lever names, with where: route.to, fine_tune.target_model, price_change.overrides keys. */
function namedModels(lever: ScenarioLever): Array<{ model: string; path: Array<string | number> }> {
  const at = (field: string, ...rest: Array<string | number>): Array<string | number> => ['levers', lever.index, lever.kind, field, ...rest];
  if (lever.kind === 'route') return [{ model: lever.settings.to, path: at('to') }];
  if (lever.kind === 'fine_tune') return [{ model: lever.settings.target_model, path: at('target_model') }];
  if (lever.kind === 'price_change') return Object.keys(lever.settings.overrides ?? {}).map((model) => ({ model, path: at('overrides', model) }));
  return [];
}

/**
 * Checks a scenario against the features recorded in the window and the price catalog: every feature and
 * model it names must exist, two levers of one kind must not claim the same calls (they would contradict:
 * which output cap wins?), and route rules on one feature must not overlap or match nothing.
 */
export function checkScenario(scenario: SimulationScenario, context: { features: readonly string[]; catalog: PriceCatalog }): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const levers = scenarioLevers(scenario);
  for (const lever of levers) {
    const named = leverFeatures(lever) ?? [];
    const featureList = lever.kind === 'price_change' ? featuresOf(lever.settings.batch?.feature) : named;
    featureList.forEach((feature, position) => {
      if (context.features.includes(feature)) return;
      const base: Array<string | number> = lever.kind === 'price_change' ? ['levers', lever.index, lever.kind, 'batch', 'feature'] : ['levers', lever.index, lever.kind, 'feature'];
      const settingsFeature = lever.kind === 'price_change' ? lever.settings.batch?.feature : (lever.settings as { feature?: string | string[] }).feature;
      const path = Array.isArray(settingsFeature) ? [...base, position] : base;
      const suggestions = nearest(feature, context.features);
      issues.push({ path, code: 'unknown_feature', message: `no recorded call of feature "${feature}" in the window${context.features.length ? ` (features: ${context.features.join(', ')})` : ''}`, ...(suggestions.length ? { suggestions } : {}) });
    });
    for (const { model, path } of namedModels(lever)) {
      const lookup = context.catalog.findModel(model);
      if (!lookup.found) issues.push({ path, code: 'unknown_model', message: lookup.reason, ...(lookup.suggestions.length ? { suggestions: lookup.suggestions } : {}) });
    }
    if (lever.kind === 'route') {
      const rule = lever.settings.when;
      if (rule?.input_tokens_above !== undefined && rule.input_tokens_at_most !== undefined && rule.input_tokens_above >= rule.input_tokens_at_most) {
        issues.push({ path: ['levers', lever.index, 'route', 'when', 'input_tokens_at_most'], code: 'conflict', message: 'the rule matches no call: input_tokens_above must be below input_tokens_at_most' });
      }
      if (rule?.step_from !== undefined && rule.step_to !== undefined && rule.step_from > rule.step_to) {
        issues.push({ path: ['levers', lever.index, 'route', 'when', 'step_to'], code: 'conflict', message: 'the rule matches no call: step_from must not exceed step_to' });
      }
      if (lever.settings.cascade !== undefined && lever.settings.misroute_rate > 0) {
        issues.push({ path: ['levers', lever.index, 'route', 'misroute_rate'], code: 'conflict', message: 'a cascade re-runs its escalations already: give cascade.escalation_share or misroute_rate, not both' });
      }
    }
  }
  // Two levers of a kind on the same calls contradict; two route rules must be disjoint.
  levers.forEach((lever, position) => {
    for (const earlier of levers.slice(0, position)) {
      if (earlier.kind !== lever.kind || !featuresOverlap(earlier, lever)) continue;
      if (lever.kind === 'route' && earlier.kind === 'route' && rulesDisjoint(earlier.settings.when, lever.settings.when)) continue;
      const field = lever.kind === 'price_change' || lever.kind === 'plans' ? lever.kind : 'feature';
      const path: Array<string | number> = field === 'feature' ? ['levers', lever.index, lever.kind, 'feature'] : ['levers', lever.index, lever.kind];
      const what = lever.kind === 'route' ? 'its rule overlaps the rule of' : 'it applies to the same calls as';
      issues.push({ path, code: 'conflict', message: `${lever.kind} levers contradict: ${what} lever ${earlier.index + 1} (levers[${earlier.index}]); give each feature one ${lever.kind}${lever.kind === 'route' ? ', or rules that cannot match the same call' : ''}` });
      break;
    }
  });
  return issues;
}

function featuresOf(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function featuresOverlap(a: ScenarioLever, b: ScenarioLever): boolean {
  if (a.kind === 'price_change' || a.kind === 'plans') return true;
  const left = leverFeatures(a);
  const right = leverFeatures(b);
  if (left === null || right === null) return true;
  return left.some((feature) => right.includes(feature));
}

type RouteRule = Extract<ScenarioLever, { kind: 'route' }>['settings']['when'];

// Two rules are disjoint when some condition they both set cannot hold for one call.
function rulesDisjoint(a: RouteRule, b: RouteRule): boolean {
  if (a === undefined || b === undefined) return false;
  const tiersA = featuresOf(a.user_tier);
  const tiersB = featuresOf(b.user_tier);
  if (tiersA.length > 0 && tiersB.length > 0 && !tiersA.some((tier) => tiersB.includes(tier))) return true;
  const inputDisjoint = !intervalsMeet([a.input_tokens_above ?? -Infinity, a.input_tokens_at_most ?? Infinity], [b.input_tokens_above ?? -Infinity, b.input_tokens_at_most ?? Infinity], 'open-closed');
  if (inputDisjoint) return true;
  return !intervalsMeet([a.step_from ?? -Infinity, a.step_to ?? Infinity], [b.step_from ?? -Infinity, b.step_to ?? Infinity], 'closed');
}

function intervalsMeet(a: [number, number], b: [number, number], kind: 'open-closed' | 'closed'): boolean {
  // (above, atMost] intervals meet when each starts below the other's end; [from, to] when each starts at or below.
  return kind === 'open-closed' ? a[0] < b[1] && b[0] < a[1] : a[0] <= b[1] && b[0] <= a[1];
}

function nearest(name: string, candidates: readonly string[]): string[] {
  return candidates
    .map((candidate) => ({ candidate, score: distance(name.toLowerCase(), candidate.toLowerCase()) }))
    .filter((entry) => entry.score <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map((entry) => entry.candidate);
}
