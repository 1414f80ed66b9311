import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DuckdbStore } from '../../store/duckdb/duckdb-store.js';
import { createApp } from '../create-app.js';
import { importFiles, type ImportProgress } from './import-service.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../core/capture/importers/fixtures');
const directory = mkdtempSync(join(tmpdir(), 'unitcost-import-service-'));
const app = createApp({ directory, environment: {}, now: () => new Date('2026-03-10T00:00:00Z') });

describe('importFiles', () => {
  it('commits in batches of the size asked, reporting progress after each, with the same totals as one batch', async () => {
    const store = await DuckdbStore.open(join(directory, 'batches.duckdb'));
    const progress: ImportProgress[] = [];
    try {
      const result = await importFiles(app, store, 'helicone', [join(fixtures, 'helicone-export.json')], { batchSize: 2, rejects: join(directory, 'batches.rejects.jsonl') }, (update) => progress.push(update));
      expect(result.totals).toMatchObject({ accepted: 5, rejected: 1, skipped: 1, duplicates: 0 });
      expect(progress.map((update) => update.totals.accepted)).toEqual([2, 4, 5]);
      expect((await store.counts()).usageEvents).toBe(5);
    } finally {
      await store.close();
    }
  });

  it('refuses a changed row under an id already stored as a conflict, keeping the stored one', async () => {
    const store = await DuckdbStore.open(join(directory, 'conflict.duckdb'));
    const rejects = join(directory, 'conflict.rejects.jsonl');
    try {
      await importFiles(app, store, 'litellm', [join(fixtures, 'litellm-spend-logs.csv')], { rejects });
      const changed = join(directory, 'changed.csv');
      writeFileSync(changed, readFileSync(join(fixtures, 'litellm-spend-logs.csv'), 'utf8').replace(',0.0021,3300,3000,300,', ',0.0021,3400,3100,300,'));
      const result = await importFiles(app, store, 'litellm', [changed], { rejects });
      expect(result.totals).toMatchObject({ accepted: 0, duplicates: 0, conflicts: 1 });
      expect(readFileSync(rejects, 'utf8')).toContain('"source":"changed.csv:2","field":"id"');
    } finally {
      await store.close();
    }
  });
});
