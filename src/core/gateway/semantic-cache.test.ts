import { describe, expect, it } from 'vitest';
import { unitVector } from './cosine-similarity.js';
import { gatewayConfigSchema } from './gateway-config.js';
import { SemanticCache } from './semantic-cache.js';

const embedding = { model: 'text-embedding-3-small' };

describe('gateway.policies.semantic_cache', () => {
  it('fills in a 2-second embedding timeout and a bound of 10,000 entries, and requires a threshold and a lifetime', () => {
    const config = gatewayConfigSchema.parse({ policies: { semantic_cache: [{ when: { feature: 'support-faq' }, embedding, min_similarity: 0.95, ttl_seconds: 3600 }] } });
    expect(config.policies.semantic_cache).toEqual([
      { when: { feature: 'support-faq' }, embedding: { model: 'text-embedding-3-small', timeout_ms: 2000 }, min_similarity: 0.95, ttl_seconds: 3600, max_entries: 10_000 },
    ]);
    const missing = gatewayConfigSchema.safeParse({ policies: { semantic_cache: [{ embedding }] } });
    expect(missing.error?.issues.map((issue) => issue.path.at(-1))).toEqual(expect.arrayContaining(['min_similarity', 'ttl_seconds']));
  });

  it('explains a threshold that is not a cosine similarity', () => {
    const over = gatewayConfigSchema.safeParse({ policies: { semantic_cache: [{ embedding, min_similarity: 95, ttl_seconds: 60 }] } });
    expect(over.error?.issues[0]).toMatchObject({ path: ['policies', 'semantic_cache', 0, 'min_similarity'], message: 'must be at most 1, the similarity of identical prompts' });
    const zero = gatewayConfigSchema.safeParse({ policies: { semantic_cache: [{ embedding, min_similarity: 0, ttl_seconds: 60 }] } });
    expect(zero.error?.issues[0]?.message).toContain('e.g. 0.95');
  });

  it('refuses unknown fields and a bound past what a brute-force lookup can scan', () => {
    expect(gatewayConfigSchema.safeParse({ policies: { semantic_cache: [{ embedding, min_similarity: 0.9, ttl_seconds: 60, threshold: 0.9 }] } }).success).toBe(false);
    expect(gatewayConfigSchema.safeParse({ policies: { semantic_cache: [{ embedding: { ...embedding, dims: 3 }, min_similarity: 0.9, ttl_seconds: 60 }] } }).success).toBe(false);
    const huge = gatewayConfigSchema.safeParse({ policies: { semantic_cache: [{ embedding, min_similarity: 0.9, ttl_seconds: 60, max_entries: 1_000_000 }] } });
    expect(huge.error?.issues[0]?.message).toContain('each lookup compares the prompt with every entry');
  });

  it('requires the embedding provider to be a configured provider of the OpenAI API', () => {
    const rule = (provider: string) => ({ embedding: { ...embedding, provider }, min_similarity: 0.9, ttl_seconds: 60 });
    const unknown = gatewayConfigSchema.safeParse({ policies: { semantic_cache: [rule('voyage')] } });
    expect(unknown.error?.issues[0]).toMatchObject({
      path: ['policies', 'semantic_cache', 0, 'embedding', 'provider'],
      message: 'names "voyage", which is not in gateway.providers (openai, anthropic)',
    });
    const anthropic = gatewayConfigSchema.safeParse({ policies: { semantic_cache: [rule('anthropic')] } });
    expect(anthropic.error?.issues[0]?.message).toBe('names "anthropic", which speaks the anthropic API; embeddings need a provider with api: openai (its /embeddings)');
    const onlyAnthropic = gatewayConfigSchema.safeParse({ providers: { anthropic: {} }, policies: { semantic_cache: [{ embedding, min_similarity: 0.9, ttl_seconds: 60 }] } });
    expect(onlyAnthropic.error?.issues[0]?.message).toContain('no provider in gateway.providers speaks the openai API');
    expect(gatewayConfigSchema.safeParse({ providers: { local: { api: 'openai', base_url: 'http://127.0.0.1:8000/v1' } }, policies: { semantic_cache: [rule('local')] } }).success).toBe(true);
  });
});

describe('SemanticCache', () => {
  const rules = gatewayConfigSchema.parse({
    policies: {
      semantic_cache: [
        { when: { feature: 'support-faq' }, embedding, min_similarity: 0.95, ttl_seconds: 60, max_entries: 5 },
        { when: { feature: 'search' }, embedding, min_similarity: 0.8, ttl_seconds: 5 },
      ],
    },
  }).policies.semantic_cache;

  it('looks up only the calls of a feature that has a rule, the first that matches', () => {
    const cache = new SemanticCache<string>(rules);
    expect(cache.choose({ tags: { feature: 'support-faq' }, model: 'gpt-4.1' })).toEqual({ rule: 0, ttlMs: 60_000, minSimilarity: 0.95, embedding: { ...embedding, timeout_ms: 2000 } });
    expect(cache.choose({ tags: { feature: 'search' }, model: 'gpt-4.1' })?.rule).toBe(1);
    expect(cache.choose({ tags: { feature: 'coding-agent' }, model: 'gpt-4.1' })).toBeUndefined();
  });

  it('keeps each rule\'s answers in its own store, at its own threshold and lifetime', () => {
    const cache = new SemanticCache<string>(rules);
    const faq = cache.choose({ tags: { feature: 'support-faq' }, model: 'm' })!;
    const search = cache.choose({ tags: { feature: 'search' }, model: 'm' })!;
    const stored = unitVector([1, 0])!;
    const near = unitVector([1, 0.5])!; // cosine 0.894: enough for search's 0.8, not for the FAQ's 0.95
    cache.add(faq, 'p', stored, 'faq answer', 0);
    cache.add(search, 'p', stored, 'search answer', 0);
    expect(cache.nearest(faq, 'p', near, 1)).toBeUndefined();
    expect(cache.nearest(search, 'p', near, 1)?.value).toBe('search answer');
    expect(cache.nearest(search, 'p', near, 5_000)).toBeUndefined();
    expect(cache.nearest(faq, 'p', stored, 5_000)?.value).toBe('faq answer');
  });
});
