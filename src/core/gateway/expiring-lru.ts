/**
 * A map bounded in entries and in time: reading an entry makes it the most recently used, and past
 * `maxEntries` the least recently used one goes. Each entry expires `ttlMs` after it was set. Time is
 * passed in, so that expiry is tested without waiting.
 */
export class ExpiringLru<V> {
  // A Map keeps insertion order: re-inserting on each read keeps the least recently used first.
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();

  constructor(private readonly maxEntries: number) {}

  /** How many entries are held, expired ones not yet evicted included. */
  get size(): number {
    return this.entries.size;
  }

  /** The value under `key` if it has not expired, made the most recently used. */
  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= nowMs) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Holds `value` under `key` for `ttlMs`, evicting the least recently used entries beyond the bound. */
  set(key: string, value: V, nowMs: number, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAtMs: nowMs + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
