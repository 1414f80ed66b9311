import { cosineOfUnitVectors } from './cosine-similarity.js';

/** The entry nearest a prompt, and how near: the cosine similarity of the two embeddings. */
export interface SemanticMatch<V> {
  value: V;
  similarity: number;
}

interface Entry<V> {
  id: number;
  partition: string;
  vector: Float32Array;
  value: V;
  expiresAtMs: number;
}

/**
 * Answers held under the embeddings of their prompts, bounded in entries and in time: the nearest entry of a
 * partition is found by comparing the prompt with each of them (brute force over unit vectors, which stays
 * in single milliseconds at the bound; see semantic-store.test.ts), reading an entry makes it the most recently
 * used, and past `maxEntries` the least recently used one goes, whatever its partition. A partition holds
 * what may be shared (one tenant, model, route and set of parameters); only prompts are compared by meaning.
 * Time is passed in.
 */
export class SemanticStore<V> {
  // A Map keeps insertion order: re-inserting on each read keeps the least recently used first.
  private readonly entries = new Map<number, Entry<V>>();
  private readonly partitions = new Map<string, Map<number, Entry<V>>>();
  private nextId = 0;

  constructor(private readonly maxEntries: number) {}

  /** How many entries are held, expired ones not yet evicted included. */
  get size(): number {
    return this.entries.size;
  }

  /** The unexpired entry of `partition` most similar to `vector`, if it reaches `minSimilarity`; made the most recently used. */
  nearest(partition: string, vector: Float32Array, minSimilarity: number, nowMs: number): SemanticMatch<V> | undefined {
    const candidates = this.partitions.get(partition);
    if (candidates === undefined) return undefined;
    let best: Entry<V> | undefined;
    let bestSimilarity = -Infinity;
    const expired: Array<Entry<V>> = [];
    for (const entry of candidates.values()) {
      if (entry.expiresAtMs <= nowMs) {
        expired.push(entry);
        continue;
      }
      const similarity = cosineOfUnitVectors(vector, entry.vector);
      if (similarity > bestSimilarity) {
        best = entry;
        bestSimilarity = similarity;
      }
    }
    for (const entry of expired) this.remove(entry);
    if (best === undefined || bestSimilarity < minSimilarity) return undefined;
    this.entries.delete(best.id);
    this.entries.set(best.id, best);
    return { value: best.value, similarity: bestSimilarity };
  }

  /** Holds `value` under `vector` in `partition` for `ttlMs`, evicting the least recently used entries beyond the bound. */
  add(partition: string, vector: Float32Array, value: V, nowMs: number, ttlMs: number): void {
    const entry: Entry<V> = { id: this.nextId, partition, vector, value, expiresAtMs: nowMs + ttlMs };
    this.nextId += 1;
    this.entries.set(entry.id, entry);
    let candidates = this.partitions.get(partition);
    if (candidates === undefined) {
      candidates = new Map();
      this.partitions.set(partition, candidates);
    }
    candidates.set(entry.id, entry);
    while (this.entries.size > this.maxEntries) this.remove(this.entries.values().next().value as Entry<V>);
  }

  private remove(entry: Entry<V>): void {
    this.entries.delete(entry.id);
    const candidates = this.partitions.get(entry.partition);
    candidates?.delete(entry.id);
    // An empty partition is dropped, so that tenants that come once do not leave keys behind.
    if (candidates?.size === 0) this.partitions.delete(entry.partition);
  }
}
