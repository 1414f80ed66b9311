import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { workerCatalogOf } from '../app/ingest/worker-catalog.js';
import type { UnitcostError } from '../core/unitcost-error.js';
import { encodeStagedRows } from '../store/duckdb/duckdb-staged-columns.js';
import { hashContent } from './hash-content.js';
import { localPostedConversion, workerPostedConversion, type PostedBatchConversion, type WorkerPostedConversion } from './posted-batch-conversion.js';
import type { ConvertedRecords, PostedBody } from './posted-records.js';

const app = createApp({ directory: '/nonexistent-config-dir' });
const context = { catalog: app.catalog, hashContent };
const options = { nowMs: Date.parse('2026-03-20T12:00:00Z'), source: 'http:test' };
const opened: PostedBatchConversion[] = [];

afterEach(async () => {
  for (const conversion of opened.splice(0)) await conversion.close();
});

function worker(extra: Partial<Parameters<typeof workerPostedConversion>[0]> = {}): WorkerPostedConversion {
  const conversion = workerPostedConversion({ catalog: workerCatalogOf(app), local: localPostedConversion(context), minWorkerBytes: 0, ...extra });
  opened.push(conversion);
  return conversion;
}

function call(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, timestamp: '2026-03-10T09:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 1200, output_tokens: 300, feature: 'support-bot', user_id: `user-${id.length}`, ...overrides };
}

/** Calls of every shape a batch holds: priced and unpriced, outcomes and revenue, a bad line and an invalid record. */
function mixedBody(): PostedBody {
  const lines = [
    ...Array.from({ length: 300 }, (_, index) => JSON.stringify(call(`call-${index}`, { output_tokens: 100 + index, session_id: `s-${index % 7}` }))),
    JSON.stringify(call('unpriced-1', { model: 'no-such-model-anywhere' })),
    '{"id": "broken",',
    JSON.stringify(call('invalid-1', { input_tokens: -5 })),
    JSON.stringify({ type: 'outcome', task_id: 'task-1', outcome: 'success', timestamp: '2026-03-10T09:01:00Z', feature: 'support-bot' }),
    JSON.stringify({ type: 'revenue', id: 'rev-1', user_id: 'user-1', amount_usd: 20, timestamp: '2026-03-10T09:02:00Z' }),
  ];
  return { bytes: Buffer.from(lines.join('\n')), format: 'ndjson', maxItems: 10_000 };
}

/** The worker's answer with its columns, beside what the same rows encode to here. */
function asColumns(converted: ConvertedRecords): ConvertedRecords {
  if (converted.rows.form === 'columns') return converted;
  return { ...converted, rows: { form: 'columns', encoded: encodeStagedRows(converted.rows.batch), prices: converted.rows.batch.prices } };
}

describe('posted batches converted on a worker', () => {
  it('gives the rows, results, refused records and unpriced calls the server\'s own thread gives, as columns', async () => {
    const conversion = worker();
    expect(await conversion.start()).toBe(true);
    const here = await localPostedConversion(context).convert(mixedBody(), options);
    const there = await conversion.convert(mixedBody(), options);
    expect(there.rows.form).toBe('columns');
    expect(conversion.converted).toEqual({ onWorker: 1, onThisThread: 0 });
    expect(there).toEqual(asColumns(here));
    expect(there.results.filter((result) => result.status === 'rejected').map((result) => result.line)).toEqual([302, 303]);
    expect(there.unpricedUsage).toEqual([300]);
    expect(there.counts).toEqual({ usage: 301, outcomes: 1, revenue: 1 });
  });

  it('refuses a body whole with the error the server\'s thread gives: malformed JSON, too many records, none', async () => {
    const conversion = worker();
    await conversion.start();
    const local = localPostedConversion(context);
    const bodies: PostedBody[] = [
      { bytes: Buffer.from('[{"id": "a"'), format: 'json', maxItems: 10 },
      { bytes: Buffer.from(JSON.stringify([call('a'), call('b')])), format: 'json', maxItems: 1 },
      { bytes: Buffer.from('\n\n'), format: 'ndjson', maxItems: 10 },
    ];
    const codes: string[] = [];
    for (const body of bodies) {
      const expected = (await local.convert(body, options).catch((error: unknown) => error)) as UnitcostError;
      const refused = (await conversion.convert(body, options).catch((error: unknown) => error)) as UnitcostError;
      expect(refused.name).toBe('UnitcostError');
      expect({ code: refused.code, message: refused.message, details: refused.details }).toEqual({ code: expected.code, message: expected.message, details: expected.details });
      codes.push(refused.code);
    }
    expect(codes).toEqual(['invalid_argument', 'payload_too_large', 'invalid_argument']);
    // A refused body leaves the worker serving the next one.
    expect((await conversion.convert(mixedBody(), options)).counts.usage).toBe(301);
    expect(conversion.converted.onWorker).toBe(1);
  });

  it('converts small bodies, and large ones posted before the worker is ready, on the calling thread', async () => {
    const conversion = worker({ minWorkerBytes: 10_000 });
    const small: PostedBody = { bytes: Buffer.from(JSON.stringify([call('small')])), format: 'json', maxItems: 10 };
    expect((await conversion.convert(small, options)).rows.form).toBe('objects');
    // The first large body starts the worker and does not wait for it.
    expect((await conversion.convert(mixedBody(), options)).rows.form).toBe('objects');
    expect(await conversion.start()).toBe(true);
    expect((await conversion.convert(mixedBody(), options)).rows.form).toBe('columns');
    expect((await conversion.convert(small, options)).rows.form).toBe('objects');
    expect(conversion.converted).toEqual({ onWorker: 1, onThisThread: 3 });
  });

  it('converts on the calling thread, losing no body, once the worker stops, and says so once', async () => {
    const problems: string[] = [];
    const conversion = worker({ workerModule: '../testing/exiting-posted-batch-worker', onProblem: (message) => problems.push(message) });
    expect(await conversion.start()).toBe(true);
    // Three bodies sent at once: the worker dies on the first, holding all three; each is converted here instead.
    const converted = await Promise.all([mixedBody(), mixedBody(), mixedBody()].map((body) => conversion.convert(body, options)));
    expect(converted.map((each) => [each.rows.form, each.counts.usage])).toEqual([
      ['objects', 301],
      ['objects', 301],
      ['objects', 301],
    ]);
    expect((await conversion.convert(mixedBody(), options)).rows.form).toBe('objects');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/conversion worker stopped \(exit code 3\).*converted on the server's thread/);
    expect(await conversion.start()).toBe(false);
  });
});
