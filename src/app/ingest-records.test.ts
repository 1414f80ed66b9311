import { describe, expect, it } from 'vitest';
import type { BatchOutcome, EventBatch, EventWriter } from '../store/event-writer.js';
import { createApp } from './create-app.js';
import { RecordIngester } from './ingest-records.js';
import { SerialQueue } from './serial-queue.js';

const app = createApp({ directory: '/nonexistent-config-dir' });
const hashContent = (canonical: string): string => `h${canonical.length}`;

function event(id: string): Record<string, unknown> {
  return { id, timestamp: '2026-03-10T09:00:00Z', model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10 };
}

/** A writer that records each batch it was given and refuses the ids it is told to, as conflicts. */
function recordingWriter(conflictingIds: string[]): EventWriter & { batches: EventBatch[] } {
  const batches: EventBatch[] = [];
  const writer = {
    batches,
    appendBatch: async (batch: EventBatch): Promise<BatchOutcome> => {
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
  };
  return writer as unknown as EventWriter & { batches: EventBatch[] };
}

describe('RecordIngester', () => {
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
    const writer = {
      appendBatch: async (batch: EventBatch, options: unknown): Promise<BatchOutcome> => {
        asked.push(options);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const usage = batch.usage ?? [];
        const duplicateIndexes = usage.flatMap((row, index) => (stored.has(row.id) ? [index] : []));
        const none = { inserted: 0, duplicates: 0, conflicts: [], duplicateIndexes: [] };
        return { usage: { inserted: usage.length - duplicateIndexes.length, duplicates: duplicateIndexes.length, conflicts: [], duplicateIndexes }, outcomes: none, revenue: none };
      },
    } as unknown as EventWriter;
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

  it('fails every request of a commit that fails, and keeps serving the next ones', async () => {
    let fail = true;
    const writer = {
      appendBatch: async (batch: EventBatch) => {
        if (fail) {
          fail = false;
          throw new Error('disk full');
        }
        return { usage: { inserted: batch.usage!.length, duplicates: 0, conflicts: [] }, outcomes: { inserted: 0, duplicates: 0, conflicts: [] }, revenue: { inserted: 0, duplicates: 0, conflicts: [] } };
      },
    } as unknown as EventWriter;
    const queue = new SerialQueue();
    const ingester = new RecordIngester(writer, (task) => queue.run(task), { catalog: app.catalog, hashContent });
    const options = { nowMs: Date.parse('2026-03-20T00:00:00Z'), source: 'http' };
    await expect(ingester.ingest([{ index: 0, value: event('x-1') }], options)).rejects.toThrow('disk full');
    await expect(ingester.ingest([{ index: 0, value: event('x-1') }], options)).resolves.toMatchObject({ accepted: 1 });
  });
});
