import { describe, expect, it } from 'vitest';
import { ResponseCache } from './response-cache.js';

const cache = () =>
  new ResponseCache<string>([
    { when: { feature: 'support-faq' }, ttl_seconds: 60, max_entries: 1 },
    { when: { feature: 'search' }, ttl_seconds: 5, max_entries: 10 },
  ]);

describe('ResponseCache', () => {
  it('caches only the calls of a feature that has a rule', () => {
    expect(cache().choose({ tags: { feature: 'support-faq' }, model: 'gpt-4.1' })).toEqual({ rule: 0, ttlMs: 60_000 });
    expect(cache().choose({ tags: { feature: 'coding-agent' }, model: 'gpt-4.1' })).toBeUndefined();
    expect(cache().choose({ tags: {}, model: 'gpt-4.1' })).toBeUndefined();
  });

  it('answers from the rule\'s own store for its time to live', () => {
    const responses = cache();
    const search = responses.choose({ tags: { feature: 'search' }, model: 'gpt-4.1' })!;
    responses.set(search, 'key', 'answer', 0);
    expect(responses.get(search, 'key', 4_999)).toBe('answer');
    expect(responses.get(search, 'key', 5_000)).toBeUndefined();
  });

  it('keeps one feature\'s answers from evicting another\'s', () => {
    const responses = cache();
    const faq = responses.choose({ tags: { feature: 'support-faq' }, model: 'gpt-4.1' })!;
    const search = responses.choose({ tags: { feature: 'search' }, model: 'gpt-4.1' })!;
    responses.set(search, 'kept', 'search answer', 0);
    responses.set(faq, 'first', 'one', 0);
    responses.set(faq, 'second', 'two', 0);
    expect(responses.get(faq, 'first', 1)).toBeUndefined();
    expect(responses.get(faq, 'second', 1)).toBe('two');
    expect(responses.get(search, 'kept', 1)).toBe('search answer');
  });
});
