import { describe, expect, it, vi } from 'vitest';
import type { AppendOptions, BatchOutcome, EventBatch, EventWriter, OpenBatch } from '../../store/event-writer.js';
import { createApp } from '../create-app.js';
import { RecordIngester } from './record-ingester.js';
import { SerialQueue } from '../serial-queue.js';

const app = createApp({ directory: '/nonexistent-config-dir' });
const hashContent = (canonical: string): string => `h${canonical.length}`;

function event(id: string): Record<string, unknown> {
  return { id, timestamp: '2026-03-10T09:00:00Z', model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10 };
}

/**
 * A writer whose open batches gather what is added and hand it, merged, to `commitBatch` on commit: the
 * store's own contract (conflict and duplicate positions count across every part added).
 */
function batchingWriter(commitBatch: (batch: EventBatch, options: AppendOptions) => Promise<BatchOutcome>, extra: Record<string, unknown> = {}): EventWriter {
  return {
    ...extra,
    openBatch: async (options: AppendOptions = {}): Promise<OpenBatch> => {
      const merged: Required<EventBatch> = { usage: [], outcomes: [], revenue: [], prices: [] };
      return {
        add: async (records: EventBatch) => {
          merged.usage.push(...(records.usage ?? []));
          merged.outcomes.push(...(records.outcomes ?? []));
          merged.revenue.push(...(records.revenue ?? []));
          merged.prices.push(...(records.prices ?? []));
        },
        get added() {
          return { usage: merged.usage.length, outcomes: merged.outcomes.length, revenue: merged.revenue.length };
        },
        commit: () => commitBatch(merged, options),
        abandon: async () => undefined,
      };
    },
  } as unknown as EventWriter;
}

/** A writer that records each batch it was given and refuses the ids it is told to, as conflicts. */
function recordingWriter(conflictingIds: string[]): EventWriter & { batches: EventBatch[] } {
  const batches: EventBatch[] = [];
  const writer = batchingWriter(
    async (batch: EventBatch): Promise<BatchOutcome> => {
      batches.push(batch);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const usage = batch.usage ?? [];
      const conflicts = usage.flatMap((row, index) => (conflictingIds.includes(row.id) ? [{ index, id: row.id, reason: `id ${row.id} is already stored with different content` }] : []));
      return {
        usage: { inserted: usage.length - conflicts.length, duplicates: 0, conflicts },
        outcomes: { inserted: (batch.outcomes ?? []).length, duplicates: 0, conflicts: [] },
        revenue: { inserted: 0, duplicates: 0, conflicts: [] },
      };
    },
    { batches },
  );
  return writer as unknown as EventWriter & { batches: EventBatch[] };
}

const postedAt = { nowMs: Date.parse('2026-03-20T00:00:00Z'), source: 'http' };

/** An ingester over the writer behind one write queue, as the server wires it, with a row cap no test reaches. */
function queuedIngester(writer: EventWriter, lingerMs: number): RecordIngester {
  const queue = new SerialQueue();
  return new RecordIngester(writer, (task) => queue.run(task), { catalog: app.catalog, hashContent }, 100_000, lingerMs);
}

describe('RecordIngester', () => {
  it('never opens or stages two batches at once, even when a group cut at its row cap starts while the previous one still stages', async () => {
    // The writer's staging shares one connection, which runs one statement at a time: count overlaps.
    let running = 0;
    let overlaps = 0;
    const exclusive = async <T>(work: () => T): Promise<T> => {
      running += 1;
      if (running > 1) overlaps += 1;
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
      return work();
    };
    const inner = recordingWriter([]);
    const writer = {
      openBatch: (options?: AppendOptions) =>
        exclusive(() => inner.openBatch(options)).then(async (opened) => {
          const batch = await opened;
          return { ...batch, add: (records: EventBatch) => exclusive(() => batch.add(records)), commit: () => batch.commit(), abandon: () => batch.abandon(), added: batch.added };
        }),
    } as unknown as EventWriter;
    const queue = new SerialQueue();
    // Groups of at most 2 rows: eight requests make several groups, each starting while the one before commits.
    const ingester = new RecordIngester(writer, (task) => queue.run(task), { catalog: app.catalog, hashContent }, 2);
    const options = { nowMs: Date.parse('2026-03-20T00:00:00Z'), source: 'http' };
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => ingester.ingest([{ index: 0, value: event(`r-${index}`) }, { index: 1, value: event(`s-${index}`) }], options)));
    expect(answers.every((answer) => answer.accepted === 2)).toBe(true);
    expect(inner.batches.length).toBeGreaterThan(1);
    expect(overlaps).toBe(0);
  });

  it('commits batches that arrive together in one transaction, and gives each its own conflicts', async () => {
    const writer = recordingWriter(['b-2']);
    const queue = new SerialQueue();
    const ingester = new RecordIngester(writer, (task) => queue.run(task), { catalog: app.catalog, hashContent });
    const options = { nowMs: Date.parse('2026-03-20T00:00:00Z'), source: 'http' };
    const [first, second, third] = await Promise.all([
      ingester.ingest([{ index: 0, value: event('a-1') }], options),
      ingester.ingest([{ index: 0, value: event('b-1') }, { index: 1, value: { nonsense: true } }, { index: 2, value: event('b-2') }], options),
      ingester.ingest([{ index: 0, value: event('c-1') }], options),
    ]);
    expect(writer.batches.map((batch) => batch.usage!.map((row) => row.id))).toEqual([['a-1', 'b-1', 'b-2', 'c-1']]);
    expect(first).toMatchObject({ accepted: 1, duplicates: 0, rejected: 0 });
    expect(second).toMatchObject({ received: 3, accepted: 1, duplicates: 0, rejected: 2 });
    expect(second.results.map((result) => [result.index, result.status, result.errors?.[0]?.field])).toEqual([
      [0, 'accepted', undefined],
      [1, 'rejected', 'timestamp'],
      [2, 'rejected', 'id'],
    ]);
    expect(third).toMatchObject({ accepted: 1, rejected: 0 });
    expect(ingester.counters).toEqual({ inserted: 3, duplicates: 0, rejected: 2 });
  });

  it('gives each request of a commit its own duplicates, from the positions the store lists', async () => {
    const stored = new Set(['a-1', 'b-2']);
    const asked: unknown[] = [];
    const writer = batchingWriter(async (batch: EventBatch, options: unknown): Promise<BatchOutcome> => {
        asked.push(options);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const usage = batch.usage ?? [];
        const duplicateIndexes = usage.flatMap((row, index) => (stored.has(row.id) ? [index] : []));
        const none = { inserted: 0, duplicates: 0, conflicts: [], duplicateIndexes: [] };
        return { usage: { inserted: usage.length - duplicateIndexes.length, duplicates: duplicateIndexes.length, conflicts: [], duplicateIndexes }, outcomes: none, revenue: none };
      });
    const queue = new SerialQueue();
    const ingester = new RecordIngester(writer, (task) => queue.run(task), { catalog: app.catalog, hashContent });
    const options = { nowMs: Date.parse('2026-03-20T00:00:00Z'), source: 'http' };
    const [first, second] = await Promise.all([
      ingester.ingest([{ index: 0, value: event('a-1') }, { index: 1, value: event('a-2') }], options),
      ingester.ingest([{ index: 0, value: { nonsense: true } }, { index: 1, value: event('b-1') }, { index: 2, value: event('b-2') }], options),
    ]);
    expect(asked).toEqual([{ listDuplicates: true }]);
    expect(first).toMatchObject({ accepted: 2, duplicates: 1, rejected: 0 });
    expect(first.results.map((result) => result.duplicate ?? false)).toEqual([true, false]);
    expect(second).toMatchObject({ accepted: 2, duplicates: 1, rejected: 1 });
    expect(second.results.map((result) => [result.status, result.duplicate ?? false])).toEqual([
      ['rejected', false],
      ['accepted', false],
      ['accepted', true],
    ]);
  });

  it('gathers the batches that arrive while a commit runs into the next commit', async () => {
    const writer = recordingWriter([]);
    const queue = new SerialQueue();
    const ingester = new RecordIngester(writer, (task) => queue.run(task), { catalog: app.catalog, hashContent });
    const options = { nowMs: Date.parse('2026-03-20T00:00:00Z'), source: 'http' };
    const first = ingester.ingest([{ index: 0, value: event('a-1') }], options);
    await new Promise((resolve) => setTimeout(resolve, 1));
    await Promise.all([first, ingester.ingest([{ index: 0, value: event('b-1') }], options), ingester.ingest([{ index: 0, value: event('c-1') }], options)]);
    expect(writer.batches.map((batch) => batch.usage!.map((row) => row.id))).toEqual([['a-1'], ['b-1', 'c-1']]);
  });

  it('stages the rows of requests that arrive during a commit before that commit ends', async () => {
    const events: string[] = [];
    let releaseCommit!: () => void;
    const firstCommitHeld = new Promise<void>((resolve) => (releaseCommit = resolve));
    let commits = 0;
    const writer = {
      openBatch: async (): Promise<OpenBatch> => {
        const ids: string[] = [];
        return {
          add: async (records: EventBatch) => {
            for (const row of records.usage ?? []) {
              ids.push(row.id);
              events.push(`staged ${row.id}`);
            }
          },
          get added() {
            return { usage: ids.length, outcomes: 0, revenue: 0 };
          },
          commit: async () => {
            commits += 1;
            events.push(`commit ${ids.join('+')} begins`);
            if (commits === 1) await firstCommitHeld;
            events.push(`commit ${ids.join('+')} ends`);
            const none = { inserted: 0, duplicates: 0, conflicts: [] };
            return { usage: { inserted: ids.length, duplicates: 0, conflicts: [] }, outcomes: none, revenue: none };
          },
          abandon: async () => undefined,
        };
      },
    } as unknown as EventWriter;
    const queue = new SerialQueue();
    const ingester = new RecordIngester(writer, (task) => queue.run(task), { catalog: app.catalog, hashContent });
    const options = { nowMs: Date.parse('2026-03-20T00:00:00Z'), source: 'http' };
    const first = ingester.ingest([{ index: 0, value: event('a-1') }], options);
    await vi.waitFor(() => expect(events).toContain('commit a-1 begins'));
    const second = ingester.ingest([{ index: 0, value: event('b-1') }], options);
    // The second request's rows are staged while the first commit still holds the store.
    await vi.waitFor(() => expect(events).toContain('staged b-1'));
    expect(events).not.toContain('commit a-1 ends');
    releaseCommit();
    await Promise.all([first, second]);
    expect(events).toEqual(['staged a-1', 'commit a-1 begins', 'staged b-1', 'commit a-1 ends', 'commit b-1 begins', 'commit b-1 ends']);
  });

  it('waits for half as many requests as the last group held, so that the first one answered is not committed alone', async () => {
    const writer = recordingWriter([]);
    // A linger far longer than the test: the second group is cut by the request it waits for, not by time.
    const ingester = queuedIngester(writer, 60_000);
    const options = postedAt;
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => ingester.ingest([{ index: 0, value: event(id) }], options)));
    // As after a commit answers four clients: their next requests come back one after the other.
    const first = ingester.ingest([{ index: 0, value: event('e') }], options);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = ingester.ingest([{ index: 0, value: event('f') }], options);
    await Promise.all([first, second]);
    expect(writer.batches.map((batch) => batch.usage!.map((row) => row.id))).toEqual([['a', 'b', 'c', 'd'], ['e', 'f']]);
  });

  it('commits a group without the requests it waited for once none arrives for lingerMs', async () => {
    const writer = recordingWriter([]);
    const ingester = queuedIngester(writer, 30);
    const options = postedAt;
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => ingester.ingest([{ index: 0, value: event(id) }], options)));
    await expect(ingester.ingest([{ index: 0, value: event('alone') }], options)).resolves.toMatchObject({ accepted: 1 });
    expect(writer.batches.map((batch) => batch.usage!.map((row) => row.id))).toEqual([['a', 'b', 'c', 'd'], ['alone']]);
  });

  it('never waits when one client posts one request at a time', async () => {
    const writer = recordingWriter([]);
    const ingester = queuedIngester(writer, 60_000);
    const options = postedAt;
    for (const id of ['one', 'two', 'three']) await ingester.ingest([{ index: 0, value: event(id) }], options);
    expect(writer.batches).toHaveLength(3);
  });

  it('fails every request of a commit that fails, and keeps serving the next ones', async () => {
    let fail = true;
    const writer = batchingWriter(async (batch: EventBatch) => {
      if (fail) {
        fail = false;
        throw new Error('disk full');
      }
      return { usage: { inserted: batch.usage!.length, duplicates: 0, conflicts: [] }, outcomes: { inserted: 0, duplicates: 0, conflicts: [] }, revenue: { inserted: 0, duplicates: 0, conflicts: [] } };
    });
    const queue = new SerialQueue();
    const ingester = new RecordIngester(writer, (task) => queue.run(task), { catalog: app.catalog, hashContent });
    const options = { nowMs: Date.parse('2026-03-20T00:00:00Z'), source: 'http' };
    await expect(ingester.ingest([{ index: 0, value: event('x-1') }], options)).rejects.toThrow('disk full');
    await expect(ingester.ingest([{ index: 0, value: event('x-1') }], options)).resolves.toMatchObject({ accepted: 1 });
  });
});
