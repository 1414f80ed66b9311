import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { convertPostedBody } from '../../ingest/posted-records.js';
import type { BatchOutcome, EventBatch, EventWriter, OpenBatch, StoredRecordKeys } from '../../store/event-writer.js';
import { IntakeLog, type IntakeEntry } from '../../store/intake-log.js';
import { createApp } from '../create-app.js';
import { SerialQueue } from '../serial-queue.js';
import { RecordIngester, type IntakeOptions } from './record-ingester.js';

const app = createApp({ directory: '/nonexistent-config-dir' });
const hashContent = (canonical: string): string => `h${canonical.length}`;
const context = { catalog: app.catalog, hashContent };
const nowMs = Date.parse('2026-03-20T00:00:00Z');

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function body(ids: string[], source = 'http'): IntakeEntry {
  const lines = ids.map((id) => JSON.stringify({ id, timestamp: '2026-03-10T09:00:00Z', model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10 }));
  return { nowMs, source, format: 'ndjson', maxItems: 10_000, bytes: Buffer.from(`${lines.join('\n')}\n`) };
}

/** A key per id that a test can reproduce: two 32-bit halves of an FNV-1a hash of kind and id. */
function keyOf(kind: string, id: string): [number, number] {
  let high = 0x811c9dc5;
  let low = 0x01000193;
  for (const char of `${kind}:${id}`) {
    high = Math.imul(high ^ char.charCodeAt(0), 0x01000193);
    low = Math.imul(low ^ char.charCodeAt(0), 0x811c9dc5) ^ (high >>> 7);
  }
  return [high >>> 1, low | 0];
}

/**
 * A store in memory, as the ingester sees one: batches merged and committed (a stored id comes back as a duplicate),
 * its keys known exactly, commits counted, and told to fail the next ones when a test asks.
 */
function memoryStore(): EventWriter & { stored: string[]; commits: number; failNext: number; maybeStored: boolean } {
  const keys = new Set<string>();
  const state = { stored: [] as string[], commits: 0, failNext: 0, maybeStored: false };
  const storedKeys: StoredRecordKeys = {
    keyOf: (kind, id, halves, at) => {
      const [high, low] = keyOf(kind, id);
      halves[at] = high;
      halves[at + 1] = low;
    },
    mayHoldAny: (halves) => {
      if (state.maybeStored) return true;
      for (let at = 0; at < halves.length; at += 2) if (keys.has(`${halves[at]}:${halves[at + 1]}`)) return true;
      return false;
    },
  };
  const openBatch = async (): Promise<OpenBatch> => {
    const usage: NonNullable<EventBatch['usage']> = [];
    return {
      add: async (records: EventBatch) => void usage.push(...(records.usage ?? [])),
      addEncoded: undefined,
      get added() {
        return { usage: usage.length, outcomes: 0, revenue: 0 };
      },
      commit: async (): Promise<BatchOutcome> => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        state.commits += 1;
        if (state.failNext > 0) {
          state.failNext -= 1;
          throw new Error('the disk is full');
        }
        const duplicateIndexes: number[] = [];
        usage.forEach((row, index) => {
          if (state.stored.includes(row.id)) duplicateIndexes.push(index);
          else {
            state.stored.push(row.id);
            keys.add(keyOf('usage', row.id).join(':'));
          }
        });
        const none = { inserted: 0, duplicates: 0, conflicts: [], duplicateIndexes: [] };
        return { usage: { inserted: usage.length - duplicateIndexes.length, duplicates: duplicateIndexes.length, conflicts: [], duplicateIndexes }, outcomes: none, revenue: none };
      },
      abandon: async () => undefined,
    } as unknown as OpenBatch;
  };
  return Object.assign(state, { openBatch, storedKeys }) as unknown as EventWriter & typeof state;
}

async function intakeIngester(store: ReturnType<typeof memoryStore>, options: Partial<IntakeOptions> = {}, maxGroupRows = 100_000) {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-intake-ingester-'));
  directories.push(directory);
  const { log } = await IntakeLog.open(join(directory, 'store.duckdb.intake'));
  const problems: string[] = [];
  const queue = new SerialQueue();
  const intake: IntakeOptions = {
    log,
    storedKeys: store.storedKeys!,
    convert: (entry) => convertPostedBody(entry, { ...context, nowMs: entry.nowMs, source: entry.source }),
    maxWaitMs: 60_000,
    onProblem: (message) => problems.push(message),
    ...options,
  };
  const ingester = new RecordIngester(store, (task) => queue.run(task), context, maxGroupRows, 50, intake);
  const post = (entry: IntakeEntry) => ingester.ingestConverted(intake.convert(entry), entry);
  const segments = () => readdirSync(log.directory).filter((name) => name.endsWith('.log'));
  return { ingester, post, problems, segments, directory: log.directory };
}

describe('RecordIngester with an intake log', () => {
  it('answers a batch of new records once its body is in the log, before any commit; a read waiting for loaded() then finds it committed', async () => {
    const store = memoryStore();
    const { ingester, post, segments } = await intakeIngester(store);
    const answer = await post(body(['a-1', 'a-2']));
    expect(answer).toMatchObject({ received: 2, accepted: 2, duplicates: 0, rejected: 0 });
    expect(store.commits).toBe(0);
    expect(segments()).toHaveLength(1);
    expect(ingester.intakeCounters.answeredEarly).toBe(1);
    expect(ingester.counters.inserted).toBe(2);

    await ingester.loaded();
    expect(store.commits).toBe(1);
    expect(store.stored).toEqual(['a-1', 'a-2']);
    // Its bodies are stored: the segment is gone.
    expect(segments()).toEqual([]);
    expect(ingester.counters.inserted).toBe(2);
  });

  it('commits the answered batches of a group together once it holds loadRows rows, or maxWaitMs after its first', async () => {
    const store = memoryStore();
    const { ingester, post } = await intakeIngester(store, { loadRows: 4, maxWaitMs: 40 });
    await Promise.all([post(body(['b-1', 'b-2'])), post(body(['b-3', 'b-4']))]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.commits).toBe(1);
    expect(store.stored).toEqual(['b-1', 'b-2', 'b-3', 'b-4']);

    await post(body(['c-1']));
    expect(store.commits).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(store.commits).toBe(2);
    expect(store.stored).toContain('c-1');
    expect(ingester.intakeCounters.loads).toBe(2);
  });

  it('answers a batch after its commit when one of its records waits in a group, may be stored, or appears twice: the answer then says what the store did', async () => {
    const store = memoryStore();
    const { ingester, post } = await intakeIngester(store);
    await post(body(['d-1']));
    expect(store.commits).toBe(0);
    // d-1 waits in the group: re-sent, it must be answered as a duplicate, which only the commit can say. It starts
    // the next group, after the first commits, so that its answer says "already stored" as without the log.
    const resent = await post(body(['d-1', 'd-2']));
    expect(store.commits).toBe(2);
    expect(resent).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(resent.results.map((result) => result.duplicate === true)).toEqual([true, false]);

    // Stored, as the store's filter says: answered after the commit, a duplicate.
    const again = await post(body(['d-2']));
    expect(store.commits).toBe(3);
    expect(again).toMatchObject({ duplicates: 1 });

    // The filter cannot say (not built yet): answered after the commit.
    store.maybeStored = true;
    await post(body(['d-3']));
    expect(store.commits).toBe(4);
    store.maybeStored = false;

    // The same id twice in one batch: the commit decides which one is stored.
    const twice = await post(body(['d-4', 'd-4']));
    expect(store.commits).toBe(5);
    expect(twice.results.map((result) => result.duplicate === true)).toEqual([false, true]);
    expect(ingester.intakeCounters.answeredEarly).toBe(1);
  });

  it('stores an answered record held back by the row cap before a later repeat of it, which is answered as a duplicate', async () => {
    const store = memoryStore();
    // Groups of at most 2 rows: the second request waits for the next group, not yet in any group's keys.
    const { post } = await intakeIngester(store, {}, 2);
    const first = post(body(['h-1', 'h-2']));
    const heldBack = post(body(['h-3']));
    const repeat = post(body(['h-3']));
    expect(await first).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await heldBack).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await repeat).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(store.stored).toEqual(['h-1', 'h-2', 'h-3']);
  });

  it('stores again, one by one from the log, the answered batches of a group whose commit failed, and says so', async () => {
    const store = memoryStore();
    const { ingester, post, problems, segments } = await intakeIngester(store);
    await post(body(['e-1', 'e-2']));
    await post(body(['e-3']));
    store.failNext = 1;
    await ingester.loaded();
    expect(problems[0]).toMatch(/a commit of 2 acknowledged batches failed \(the disk is full\); storing them again from .*\.log/);
    expect(store.stored).toEqual(['e-1', 'e-2', 'e-3']);
    expect(segments()).toEqual([]);
    // Answers before the commit resume.
    await post(body(['e-4']));
    expect(ingester.intakeCounters.answeredEarly).toBe(3);
  });

  it('keeps the log segment of answered batches it cannot store, for the next start, and from then on answers each batch after its commit', async () => {
    const store = memoryStore();
    const { ingester, post, problems, segments } = await intakeIngester(store);
    await post(body(['f-1']));
    store.failNext = 2;
    await ingester.loaded();
    expect(problems[1]).toMatch(/acknowledged batches could not be stored \(the disk is full\); they stay in .*\.log and are loaded when the server starts again/);
    expect(segments()).toHaveLength(1);
    expect(store.stored).toEqual([]);

    const later = await post(body(['f-2']));
    expect(later.accepted).toBe(1);
    expect(store.stored).toEqual(['f-2']);
    expect(ingester.intakeCounters.answeredEarly).toBe(1);
  });
});
