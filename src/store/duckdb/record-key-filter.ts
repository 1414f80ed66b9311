import type { DuckDBConnection, DuckDBMaterializedResult } from '@duckdb/node-api';
import { recordKeySql, type KeyedTable } from './duckdb-record-keys.js';

/*
 * A commit first asks whether any staged key is in record_keys (duckdb-record-keys.ts): one scan of every stored
 * key, ~3.2 ms per million of them. The CLI pays it once per 122,880 calls; a server pays it for every group of
 * a few thousand records, so with 10M calls stored a 4,000-record commit took 64 ms against 36 ms on an empty
 * store (BENCHMARKS.md, "HTTP ingest"). A writer that commits small batches keeps instead a Bloom filter of the
 * stored keys in memory: a commit none of whose keys the filter may hold stores no duplicate and no conflict, and
 * skips the scan; one that it may hold takes the scan as before. The filter answers "maybe" for a stored key
 * always, and for another a few times in a million (32 bits a key, 10 probes within one cache line: 60 MB for
 * 10M keys, built in ~3.5 s when the writer opens), so it never lets a stored record in twice. It stays in step with record_keys by counting: it knows how many keys the store held when it was built
 * and how many each commit since inserted; if record_keys holds another count (a write it was not told of), it is
 * built again before it is trusted.
 */

const bitsPerKey = 32;
const probes = 10;
/** Bits of a block: one 64-byte cache line, so that a key costs one cache miss, not eight (2.5 s for 10M keys). */
const blockBits = 512;
const blockWords = blockBits / 32;
/** Keys read per query while the filter is built. */
const buildSliceRows = 1 << 20;
/** Room for this many keys at least, so that a small store does not rebuild at every growth step. */
const minimumCapacity = 1 << 20;

/**
 * A blocked Bloom filter of 63-bit record keys, given as their high and low 32 bits; the keys are MD5 bits already,
 * so they are their own hashes: the low half picks the block, the high half and the low half's other bits the
 * probes within it.
 */
export class RecordKeyBloomFilter {
  private readonly words: Uint32Array;
  private readonly blocks: number;
  private stored = 0;

  constructor(readonly capacity: number) {
    this.blocks = Math.max(1, Math.ceil((capacity * bitsPerKey) / blockBits));
    this.words = new Uint32Array(this.blocks * blockWords);
  }

  /** Keys added so far. */
  get size(): number {
    return this.stored;
  }

  add(high: number, low: number): void {
    const base = this.block(low);
    let mixed = high ^ Math.imul(low, 0x9e3779b1);
    for (let probe = 0; probe < probes; probe += 1) {
      mixed = nextProbe(mixed);
      this.words[base + (mixed >>> 28)]! |= 1 << ((mixed >>> 23) & 31);
    }
    this.stored += 1;
  }

  /** False when the key was never added; true when it was, and rarely when it was not. */
  mayContain(high: number, low: number): boolean {
    const base = this.block(low);
    let mixed = high ^ Math.imul(low, 0x9e3779b1);
    for (let probe = 0; probe < probes; probe += 1) {
      mixed = nextProbe(mixed);
      if ((this.words[base + (mixed >>> 28)]! & (1 << ((mixed >>> 23) & 31))) === 0) return false;
    }
    return true;
  }

  // The first word of the key's block: the low half's top bits scaled onto the blocks (multiply and shift, not a modulo).
  private block(low: number): number {
    return Math.floor(((low >>> 0) / 4294967296) * this.blocks) * blockWords;
  }
}

/** The next probe's bits, from a 32-bit mix of the key (murmur3's finalizer): its top 9 bits pick one of a block's 512. */
function nextProbe(value: number): number {
  let mixed = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) + 0x6d2b79f5;
}

/** A key's two halves as SQL over the key expression: the high 31 bits and the low 32 (shifted to fit a signed INTEGER). */
function halvesSql(key: string): string {
  return `CAST(${key} >> 32 AS INTEGER) AS high, CAST((${key} & 4294967295) - 2147483648 AS INTEGER) AS low`;
}

/** The staged rows' keys, as read for one commit. */
export interface StagedKeys {
  high: number[];
  low: number[];
  /** Whether the filter may hold any of them: only then must the commit look in record_keys. */
  mayBeStored: boolean;
}

/** The in-memory filter of record_keys for one writer, kept in step with its commits. */
export class StoredKeyFilter {
  private filter: RecordKeyBloomFilter | undefined;
  /** Keys record_keys should hold: counted when the filter was built, plus what each commit since inserted. */
  private expected = -1;
  /** Set when a build failed: the writer then scans at every commit, as without a filter. */
  private disabled = false;
  /** Builds of the filter, and commits that skipped or made the scan of record_keys (for tests and benchmarks). */
  readonly stats = { builds: 0, skipped: 0, scanned: 0 };

  constructor(private readonly connection: DuckDBConnection) {}

  /**
   * Reads the staged rows' keys and record_keys' count in one query; builds the filter again when the count is not
   * the one expected; then says whether any staged key may be stored. Runs inside the writer's queue.
   */
  async check(staged: readonly KeyedTable[]): Promise<StagedKeys> {
    if (this.disabled) {
      this.stats.scanned += 1;
      return { high: [], low: [], mayBeStored: true };
    }
    const keys = staged.map((kind) => `SELECT ${halvesSql(recordKeySql(kind.table, `s.${kind.key}`))} FROM ${kind.final} s`).join(' UNION ALL ');
    const result = await this.connection.runAndReadAll(`SELECT CAST((SELECT count(*) FROM record_keys) AS DOUBLE) AS stored, k.high, k.low FROM (${keys}) k`);
    const [stored, high, low] = result.getColumns() as [Array<bigint | number>, number[], number[]];
    // The staged tables hold rows (the commit checks only kinds with some), so the count comes back with them.
    const storedCount = Number(stored[0]);
    if (this.filter === undefined || storedCount !== this.expected || this.filter.size > this.filter.capacity) {
      try {
        await this.build();
      } catch {
        // The filter only ever saves a scan: a commit never fails for it. Without one, every commit scans, as a
        // writer without a filter does, rather than try a build that failed again at each commit.
        this.invalidate();
        this.disabled = true;
        this.stats.scanned += 1;
        return { high, low, mayBeStored: true };
      }
    }
    const filter = this.filter!;
    let mayBeStored = false;
    for (let index = 0; index < high.length && !mayBeStored; index += 1) mayBeStored = filter.mayContain(high[index]!, low[index]!);
    if (mayBeStored) this.stats.scanned += 1;
    else this.stats.skipped += 1;
    return { high, low, mayBeStored };
  }

  /**
   * Whether any of these keys (pairs of halves) may be stored, asked without a query: false only when the filter is
   * built and holds none of them. Keys of commits still running are not in it yet; the caller answers for those.
   */
  mayHoldAny(halves: Int32Array): boolean {
    const filter = this.filter;
    if (filter === undefined || this.disabled) return true;
    for (let at = 0; at < halves.length; at += 2) if (filter.mayContain(halves[at]!, halves[at + 1]!)) return true;
    return false;
  }

  /** After a commit: its staged keys go into the filter (refused ones too: a "maybe" costs a scan, never a duplicate), and the keys it inserted into the count. */
  committed(keys: StagedKeys, inserted: number): void {
    if (this.filter === undefined) return;
    for (let index = 0; index < keys.high.length; index += 1) this.filter.add(keys.high[index]!, keys.low[index]!);
    this.expected += inserted;
  }

  /** Builds the filter unless it is built: run when the writer opens, ahead of the first commit. */
  async prepare(): Promise<void> {
    if (this.filter === undefined) await this.build();
  }

  /** Forgets the filter: the next check builds it again (after a failed commit, whose effect on record_keys is unknown). */
  invalidate(): void {
    this.filter = undefined;
    this.expected = -1;
  }

  private async build(): Promise<void> {
    this.stats.builds += 1;
    const [count, last] = (await this.connection.runAndReadAll('SELECT count(*), coalesce(max(rowid), -1) FROM record_keys')).getRows()[0]!.map(Number) as [number, number];
    const filter = new RecordKeyBloomFilter(Math.max(minimumCapacity, Math.ceil(count * 1.5)));
    // Read in slices of rowids, each materialized and read from its vectors in place. A streamed result kept the
    // file open after the store closed (another process could not open it), one result of every key held them all
    // at once (+357 MB of RSS at 10M keys), and arrays of each chunk's values were garbage.
    for (let first = 0; first <= last; first += buildSliceRows) {
      const result = (await this.connection.run(`SELECT ${halvesSql('key')} FROM record_keys WHERE rowid >= ${first} AND rowid < ${first + buildSliceRows}`)) as DuckDBMaterializedResult;
      for (let chunkIndex = 0; chunkIndex < result.chunkCount; chunkIndex += 1) {
        const chunk = result.getChunk(chunkIndex);
        const high = chunk.getColumnVector(0);
        const low = chunk.getColumnVector(1);
        for (let index = 0; index < chunk.rowCount; index += 1) filter.add(high.getItem(index) as number, low.getItem(index) as number);
      }
    }
    this.filter = filter;
    this.expected = count;
  }
}
