/**
 * The answers of the server's reads (KPIs, reports), kept until the next write. The server holds the store's
 * only writing handle (DuckDB locks the file), so nothing changes the data behind its back: an answer stays
 * right until the server itself commits a batch, which clears the cache. The dashboard asks the same
 * questions on every visit (the KPIs, the overview's reports, the filters' lists), and over millions of
 * stored calls each costs a query of hundreds of milliseconds.
 *
 * Only finished answers are kept: a read that was running when a batch committed is not, since it may
 * predate the batch. (Requests in flight are not shared, so one client giving up never fails another.)
 */
export class ReadCache {
  private readonly entries = new Map<string, unknown>();
  private generation = 0;
  /** Reads answered with a kept answer, and reads computed (fresh, not kept, or stale), for /metrics. */
  readonly counters = { kept: 0, computed: 0 };

  /** capacity: answers kept, the least recently used dropped first (a report by day over a year is megabytes). */
  constructor(private readonly capacity = 32) {}

  /** The kept answer to this key, or compute's, kept when nothing was written meanwhile; fresh skips the kept one. */
  async get<T>(key: string, compute: () => Promise<T>, fresh = false): Promise<T> {
    if (!fresh && this.entries.has(key)) {
      const kept = this.entries.get(key) as T;
      // Refresh its place: a Map iterates in insertion order, so the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, kept);
      this.counters.kept += 1;
      return kept;
    }
    this.counters.computed += 1;
    const generation = this.generation;
    const answer = await compute();
    if (generation === this.generation) {
      this.entries.set(key, answer);
      while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    return answer;
  }

  /** Forgets every answer: the data changed. */
  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** Answers held. */
  get size(): number {
    return this.entries.size;
  }
}
