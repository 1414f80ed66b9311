import { describe, expect, it } from 'vitest';
import { unitVector } from './cosine-similarity.js';
import { SemanticStore } from './semantic-store.js';

const vector = (...values: number[]): Float32Array => unitVector(values)!;
const hour = 3_600_000;

describe('SemanticStore', () => {
  it('answers with the most similar entry of the partition when it reaches the threshold, with its similarity', () => {
    const store = new SemanticStore<string>(10);
    store.add('tenant', vector(1, 0, 0), 'shipping', 0, hour);
    store.add('tenant', vector(0, 1, 0), 'passwords', 0, hour);
    const match = store.nearest('tenant', vector(1, 0.1, 0), 0.95, 1);
    expect(match?.value).toBe('shipping');
    expect(match?.similarity).toBeCloseTo(1 / Math.sqrt(1.01), 6);
    expect(store.nearest('tenant', vector(1, 1, 0), 0.95, 1)).toBeUndefined();
  });

  it('compares only within a partition: another tenant or set of parameters never gets the answer', () => {
    const store = new SemanticStore<string>(10);
    store.add('team-a', vector(1, 0), 'answer of a', 0, hour);
    expect(store.nearest('team-b', vector(1, 0), 0.5, 1)).toBeUndefined();
    expect(store.nearest('team-a', vector(1, 0), 0.5, 1)?.value).toBe('answer of a');
  });

  it('forgets an entry once its time to live has passed', () => {
    const store = new SemanticStore<string>(10);
    store.add('tenant', vector(1, 0), 'answer', 1_000, 60_000);
    expect(store.nearest('tenant', vector(1, 0), 0.9, 60_999)?.value).toBe('answer');
    expect(store.nearest('tenant', vector(1, 0), 0.9, 61_000)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('prefers an unexpired entry to a closer expired one', () => {
    const store = new SemanticStore<string>(10);
    store.add('tenant', vector(1, 0), 'stale', 0, 10);
    store.add('tenant', vector(1, 0.2), 'fresh', 0, hour);
    expect(store.nearest('tenant', vector(1, 0), 0.9, 100)?.value).toBe('fresh');
  });

  it('holds at most max_entries, the least recently used going first, across partitions', () => {
    const store = new SemanticStore<string>(2);
    store.add('a', vector(1, 0), 'first', 0, hour);
    store.add('b', vector(0, 1), 'second', 0, hour);
    // Reading the first makes the second the least recently used.
    expect(store.nearest('a', vector(1, 0), 0.9, 1)?.value).toBe('first');
    store.add('a', vector(1, 1), 'third', 2, hour);
    expect(store.size).toBe(2);
    expect(store.nearest('b', vector(0, 1), 0.9, 3)).toBeUndefined();
    expect(store.nearest('a', vector(1, 0), 0.99, 3)?.value).toBe('first');
    expect(store.nearest('a', vector(1, 1), 0.99, 3)?.value).toBe('third');
  });
});
