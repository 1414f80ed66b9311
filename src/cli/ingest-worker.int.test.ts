import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDemoJsonl } from '../app/demo-service.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';

/*
 * The conversion worker hands rows to the main thread as columns (encoded-rows.ts), and is the default for
 * inputs over 4 MB. Through the real CLI (a worker needs the built or tsx-loaded entry, not vitest's), the
 * same file ingested with it and with --no-worker must store the same rows, prices and totals and refuse
 * the same lines for the same reasons.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const directory = mkdtempSync(join(tmpdir(), 'unitcost-ingest-worker-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function ingest(path: string, name: string, flags: string[]): { totals: Record<string, number>; db: string; rejects: string } {
  const db = join(directory, `${name}.duckdb`);
  const rejects = join(directory, `${name}.rejects.jsonl`);
  const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/bin.ts'), 'ingest', path, '--db', db, '--rejects', rejects, '--json', '--max-rejects', 'unlimited', ...flags], {
    cwd: directory,
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return { totals: (JSON.parse(run.stdout) as { totals: Record<string, number> }).totals, db, rejects };
}

async function storedRecords(db: string): Promise<unknown> {
  const store = await DuckdbStore.open(db);
  try {
    const months = (await store.monthTotals()).map((month) => month.month);
    const records: Record<string, unknown> = { counts: await store.counts(), prices: await store.storedPrices() };
    for (const month of months) {
      for (const kind of ['usage', 'outcomes', 'revenue'] as const) records[`${kind} ${month}`] = (await store.scanRecords(kind, month, null, 1_000_000)).rows;
    }
    return records;
  } finally {
    await store.close();
  }
}

describe('unitcost ingest through the conversion worker', () => {
  it('stores the same rows and refuses the same lines as without it', { timeout: 120_000 }, async () => {
    const path = join(directory, 'demo.jsonl');
    await writeDemoJsonl(path, { events: 16_000, days: 40, endMs: Date.parse('2026-03-01T00:00:00Z'), seed: 7 });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const call = (inputTokens: number): string => JSON.stringify({ id: 'call-fixed', timestamp: '2026-02-20T10:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: inputTokens, output_tokens: 5 });
    // Repeats (duplicates), the same id with other content (a conflict), and lines that are not records.
    appendFileSync(path, [lines[10]!, call(100), call(1), '{"model":', '{"type":"outcome"}', lines[20]!].join('\n') + '\n');

    // Batches of 5,000 calls end inside a part of 5,000 lines, so parts are split across batches, as columns and as rows.
    const withWorker = ingest(path, 'worker', ['--batch-size', '5000']);
    const without = ingest(path, 'no-worker', ['--no-worker', '--batch-size', '5000']);
    expect(withWorker.totals).toEqual(without.totals);
    expect(withWorker.totals).toMatchObject({ duplicates: 2, conflicts: 1, rejected: 2 });
    expect(readFileSync(withWorker.rejects, 'utf8')).toEqual(readFileSync(without.rejects, 'utf8'));
    expect(await storedRecords(withWorker.db)).toEqual(await storedRecords(without.db));
  });
});
