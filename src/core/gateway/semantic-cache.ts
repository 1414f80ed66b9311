import type { SemanticCacheRule } from './gateway-config.js';
import type { GatewayTags } from './gateway-tags.js';
import { matchesPolicy } from './matches-policy.js';
import { SemanticStore, type SemanticMatch } from './semantic-store.js';

/** The semantic cache a call falls under: the rule's index (so that its answer is stored where it was looked up) and its settings. */
export interface SemanticCacheChoice {
  rule: number;
  ttlMs: number;
  minSimilarity: number;
  embedding: SemanticCacheRule['embedding'];
}

/**
 * The semantic caches of gateway.policies.semantic_cache: one bounded, expiring store per rule, so that a
 * busy feature cannot evict another's answers. Embeddings and partition keys are computed by the caller;
 * time is passed in.
 */
export class SemanticCache<V> {
  private readonly stores: Array<SemanticStore<V>>;

  constructor(private readonly rules: readonly SemanticCacheRule[]) {
    this.stores = rules.map((rule) => new SemanticStore<V>(rule.max_entries));
  }

  /** The cache of the first rule that matches the call, or undefined when its feature has none. */
  choose(call: { tags: GatewayTags; model: string }): SemanticCacheChoice | undefined {
    const index = this.rules.findIndex((candidate) => matchesPolicy(candidate.when, call));
    if (index === -1) return undefined;
    const rule = this.rules[index]!;
    return { rule: index, ttlMs: rule.ttl_seconds * 1000, minSimilarity: rule.min_similarity, embedding: rule.embedding };
  }

  /** The answer of the nearest prompt of the partition, if it is similar enough and has not expired. */
  nearest(choice: SemanticCacheChoice, partition: string, vector: Float32Array, nowMs: number): SemanticMatch<V> | undefined {
    return this.stores[choice.rule]?.nearest(partition, vector, choice.minSimilarity, nowMs);
  }

  /** Holds an answer under its prompt's embedding in the chosen cache for the rule's TTL. */
  add(choice: SemanticCacheChoice, partition: string, vector: Float32Array, value: V, nowMs: number): void {
    this.stores[choice.rule]?.add(partition, vector, value, nowMs, choice.ttlMs);
  }
}
