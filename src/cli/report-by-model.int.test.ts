import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-report-by-model-'));
const appOptions = { directory, environment: {}, now: () => new Date('2026-03-10T00:00:00Z') };

function call(second: number, fields: Record<string, unknown>): string {
  return JSON.stringify({ timestamp: `2026-03-02T00:00:${String(second).padStart(2, '0')}Z`, input_tokens: 1000, output_tokens: 100, feature: 'chat', ...fields });
}

describe('unitcost report --by model', () => {
  it('groups the names of one catalog model in one row, and keeps an unpriced model under its own name', async () => {
    const path = join(directory, 'names.jsonl');
    writeFileSync(
      path,
      [
        call(1, { provider: 'openai', model: 'gpt-4o' }),
        call(2, { model: 'openai/gpt-4o' }),
        call(3, { model: 'openai/gpt-4o' }),
        call(4, { model: 'in-house-llm' }),
      ].join('\n'),
    );
    const db = join(directory, 'names.duckdb');
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db], captureIo(), appOptions)).toBe(0);

    for (const by of ['model', 'model,provider']) {
      const io = captureIo();
      expect(await runCli(['node', 'unitcost', 'report', '--by', by, '--db', db, '--from', '2026-03-02', '--to', '2026-03-03', '--json'], io, appOptions), io.err()).toBe(0);
      const rows = (JSON.parse(io.out()) as { rows: Array<{ model: string; provider?: string | null; calls: number; unpriced_calls: number }> }).rows;
      expect(rows.map((row) => [row.model, row.calls, row.unpriced_calls])).toEqual([
        ['gpt-4o', 3, 0],
        ['in-house-llm', 1, 1],
      ]);
      if (by === 'model,provider') expect(rows[0]!.provider).toBe('openai');
    }
  });
});
