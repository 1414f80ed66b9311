import { ExpiringLru } from './expiring-lru.js';
import type { ResponseCacheRule } from './gateway-config.js';
import type { GatewayTags } from './gateway-tags.js';
import { matchesPolicy } from './matches-policy.js';

/** The cache a call falls under: the rule's index, so that its answer is stored where it was looked up. */
export interface CacheChoice {
  rule: number;
  ttlMs: number;
}

/**
 * The exact response caches of gateway.policies.response_cache: one bounded, expiring store per rule, so
 * that a busy feature cannot evict another's answers. Keys are computed by the caller
 * (responseCacheKey); time is passed in.
 */
export class ResponseCache<V> {
  private readonly stores: Array<ExpiringLru<V>>;

  constructor(private readonly rules: readonly ResponseCacheRule[]) {
    this.stores = rules.map((rule) => new ExpiringLru<V>(rule.max_entries));
  }

  /** The cache of the first rule that matches the call, or undefined when its feature has none. */
  choose(call: { tags: GatewayTags; model: string }): CacheChoice | undefined {
    const rule = this.rules.findIndex((candidate) => matchesPolicy(candidate.when, call));
    return rule === -1 ? undefined : { rule, ttlMs: this.rules[rule]!.ttl_seconds * 1000 };
  }

  /** The answer held under `key` in the chosen cache, if it has not expired. */
  get(choice: CacheChoice, key: string, nowMs: number): V | undefined {
    return this.stores[choice.rule]?.get(key, nowMs);
  }

  /** Holds an answer under `key` in the chosen cache for the rule's TTL. */
  set(choice: CacheChoice, key: string, value: V, nowMs: number): void {
    this.stores[choice.rule]?.set(key, value, nowMs, choice.ttlMs);
  }
}
