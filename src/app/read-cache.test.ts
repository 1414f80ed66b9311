import { describe, expect, it } from 'vitest';
import { ReadCache } from './read-cache.js';

describe('ReadCache', () => {
  it('answers a repeated read from memory until cleared', async () => {
    const cache = new ReadCache();
    let runs = 0;
    const read = async () => ++runs;
    expect(await cache.get('kpis', read)).toBe(1);
    expect(await cache.get('kpis', read)).toBe(1);
    cache.clear();
    expect(await cache.get('kpis', read)).toBe(2);
    // A fresh read runs again, and its answer is the one kept from then on.
    expect(await cache.get('kpis', read, true)).toBe(3);
    expect(await cache.get('kpis', read)).toBe(3);
    // Counted for /metrics: three reads computed, two answered from memory.
    expect(cache.counters).toEqual({ kept: 2, computed: 3 });
  });

  it('does not keep an answer computed while a write cleared the cache', async () => {
    const cache = new ReadCache();
    let finish!: (value: string) => void;
    const pending = cache.get('report', () => new Promise<string>((resolve) => (finish = resolve)));
    cache.clear();
    finish('before the write');
    expect(await pending).toBe('before the write');
    expect(await cache.get('report', async () => 'after the write')).toBe('after the write');
  });

  it('keeps no failure, and drops the least recently used answer beyond its capacity', async () => {
    const cache = new ReadCache(2);
    await expect(cache.get('bad', async () => Promise.reject(new Error('query failed')))).rejects.toThrow('query failed');
    expect(await cache.get('bad', async () => 'recovered')).toBe('recovered');
    await cache.get('a', async () => 'a');
    await cache.get('bad', async () => 'unused');
    await cache.get('b', async () => 'b');
    expect(cache.size).toBe(2);
    expect(await cache.get('bad', async () => 'recomputed')).toBe('recovered');
    expect(await cache.get('a', async () => 'recomputed')).toBe('recomputed');
  });
});
