import { describe, expect, it } from 'vitest';
import { ExpiringLru } from './expiring-lru.js';

describe('ExpiringLru', () => {
  it('returns a value until its time to live has passed', () => {
    const lru = new ExpiringLru<string>(10);
    lru.set('question', 'answer', 1_000, 500);
    expect(lru.get('question', 1_499)).toBe('answer');
    expect(lru.get('question', 1_500)).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it('evicts the least recently used entry beyond its bound', () => {
    const lru = new ExpiringLru<number>(2);
    lru.set('a', 1, 0, 1_000);
    lru.set('b', 2, 0, 1_000);
    expect(lru.get('a', 1)).toBe(1);
    lru.set('c', 3, 2, 1_000);
    expect(lru.get('b', 3)).toBeUndefined();
    expect(lru.get('a', 3)).toBe(1);
    expect(lru.get('c', 3)).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('restarts the lifetime of an entry set again', () => {
    const lru = new ExpiringLru<string>(10);
    lru.set('question', 'old', 0, 100);
    lru.set('question', 'new', 90, 100);
    expect(lru.get('question', 150)).toBe('new');
  });
});
