import type { PolicyMatch } from './gateway-config.js';

/** The gateway lever a policy belongs to, as the effects page groups them. */
export type GatewayLever = 'output_cap' | 'route' | 'response_cache' | 'cascade' | 'session_limit' | 'budget';

/** The policies of `gateway.policies` a what-if can stand in for; cascades and the semantic cache are optional while they are new. */
export interface WhatIfPolicies {
  output_caps: ReadonlyArray<{ when: PolicyMatch; max_output_tokens: number }>;
  routes: ReadonlyArray<{ when: PolicyMatch; to: { model: string }; share: number }>;
  response_cache: ReadonlyArray<{ when: PolicyMatch; ttl_seconds: number }>;
  semantic_cache?: ReadonlyArray<{ when: PolicyMatch; ttl_seconds: number }>;
  sessions: ReadonlyArray<{ when: PolicyMatch; max_calls?: number | undefined; max_usd?: number | undefined }>;
  cascades?: ReadonlyArray<{ when: PolicyMatch; first: { model: string }; then?: { model: string } | undefined }>;
}

/** What the what-ifs are replayed with, as the gateway measured it; null when nothing was measured. */
export interface MeasuredRates {
  /** A cache's hit rate, per feature (null: over every feature). */
  hitRate: (feature: string | null, kind: 'exact' | 'semantic') => number | null;
  /** The share of a cascade rule's first attempts that escalated. */
  escalationShare: (rule: number) => number | null;
}

/** One policy and the what-if scenario that stands in for it, or why none can. */
export interface PolicyWhatIf {
  lever: GatewayLever;
  /** Where the policy is in the config, e.g. gateway.policies.routes[0]. */
  policy: string;
  /** A scenario of docs/simulate.md with this one lever, or null when the policy has no what-if counterpart. */
  scenario: { name: string; levers: Array<Record<string, unknown>> } | null;
  /** How far the what-if is from the policy: conditions it cannot express, assumptions it makes. */
  caveats: string[];
}

/**
 * Turns each gateway policy into the what-if scenario of the same lever (output caps → output_cap, routes →
 * route, caches → response_cache at the measured hit rate, sessions → session_limit), one scenario per policy so
 * that each estimate stands beside what that policy did. The replay selects calls by feature (and a route by
 * user tier) only: a condition on team or model makes the estimate cover more calls than the policy does, and
 * the caveats say so. A cascade is a route to its first model with the escalation share measured. Budgets have
 * no what-if counterpart.
 */
export function policyWhatIfs(policies: WhatIfPolicies, measured: MeasuredRates): PolicyWhatIf[] {
  const result: PolicyWhatIf[] = [];
  const scenario = (policy: string, lever: Record<string, unknown>) => ({ name: policy, levers: [lever] });
  policies.output_caps.forEach((cap, index) => {
    const policy = `gateway.policies.output_caps[${index}]`;
    result.push({ lever: 'output_cap', policy, scenario: scenario(policy, { output_cap: { ...feature(cap.when), max_tokens: cap.max_output_tokens } }), caveats: unmatched(cap.when, ['team', 'user_tier', 'model']) });
  });
  policies.routes.forEach((route, index) => {
    const policy = `gateway.policies.routes[${index}]`;
    const when = route.when.user_tier === undefined ? {} : { when: { user_tier: route.when.user_tier } };
    result.push({
      lever: 'route',
      policy,
      scenario: scenario(policy, { route: { ...feature(route.when), to: route.to.model, share: route.share, ...when } }),
      caveats: [...unmatched(route.when, ['team', 'model']), ...(route.share < 1 ? ['the what-if draws its share of calls per call, the gateway per user (else session)'] : [])],
    });
  });
  const caches = [
    ...policies.response_cache.map((rule, index) => ({ rule, kind: 'exact' as const, policy: `gateway.policies.response_cache[${index}]` })),
    ...(policies.semantic_cache ?? []).map((rule, index) => ({ rule, kind: 'semantic' as const, policy: `gateway.policies.semantic_cache[${index}]` })),
  ];
  for (const { rule, kind, policy } of caches) {
    const rate = measured.hitRate(rule.when.feature ?? null, kind);
    if (rate === null) {
      result.push({ lever: 'response_cache', policy, scenario: null, caveats: ['no lookup of this cache was recorded in the window, so there is no hit rate to replay with'] });
      continue;
    }
    const caveats = [`replayed at the hit rate the gateway measured, ${(rate * 100).toFixed(1)}%`, ...unmatched(rule.when, ['team', 'user_tier', 'model'])];
    if (kind === 'semantic') caveats.push('the embedding lookups the semantic cache pays are recorded as calls of their own, not in this estimate');
    result.push({ lever: 'response_cache', policy, scenario: scenario(policy, { response_cache: { ...feature(rule.when), hit_rate: rate, ttl_minutes: rule.ttl_seconds / 60 } }), caveats });
  }
  policies.sessions.forEach((limit, index) => {
    const policy = `gateway.policies.sessions[${index}]`;
    const settings = { ...(limit.max_calls === undefined ? {} : { max_steps: limit.max_calls }), ...(limit.max_usd === undefined ? {} : { max_session_usd: limit.max_usd }) };
    result.push({ lever: 'session_limit', policy, scenario: scenario(policy, { session_limit: { ...feature(limit.when), ...settings } }), caveats: unmatched(limit.when, ['team', 'user_tier', 'model']) });
  });
  (policies.cascades ?? []).forEach((cascade, index) => {
    const policy = `gateway.policies.cascades[${index}]`;
    const share = measured.escalationShare(index);
    if (share === null) {
      result.push({ lever: 'cascade', policy, scenario: null, caveats: ['no call of this cascade was recorded in the window, so there is no escalation share to replay with'] });
      return;
    }
    const caveats = [`replayed as a route to ${cascade.first.model} escalating ${(share * 100).toFixed(1)}% of calls, the share the gateway measured`, ...unmatched(cascade.when, ['team', 'user_tier', 'model'])];
    if (cascade.then !== undefined) caveats.push(`the what-if escalates to each call's recorded model, not to ${cascade.then.model}`);
    result.push({ lever: 'cascade', policy, scenario: scenario(policy, { route: { ...feature(cascade.when), to: cascade.first.model, cascade: { escalation_share: share } } }), caveats });
  });
  return result;
}

const feature = (when: PolicyMatch): { feature?: string } => (when.feature === undefined ? {} : { feature: when.feature });

// The conditions a policy has that the replay cannot select on: the estimate covers those calls too.
function unmatched(when: PolicyMatch, conditions: Array<'team' | 'user_tier' | 'model'>): string[] {
  const named = conditions.filter((condition) => when[condition] !== undefined).map((condition) => `${condition} ${when[condition]}`);
  if (named.length === 0) return [];
  const scope = when.feature === undefined ? 'every call' : `every call of ${when.feature}`;
  return [`the what-if cannot select calls by ${named.join(', ')}: its estimate covers ${scope}`];
}
