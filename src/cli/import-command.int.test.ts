import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../core/capture/importers/fixtures');
const directory = mkdtempSync(join(tmpdir(), 'unitcost-import-cli-'));
const appOptions = { directory, environment: {}, now: () => new Date('2026-03-10T00:00:00Z') };

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...argv], io, appOptions);
  return { code, out: io.out(), err: io.err() };
}

async function importJson(tool: string, files: string[], db: string, rejects: string): Promise<{ totals: Record<string, number>; skipped: Record<string, number> }> {
  const result = await run('import', tool, ...files.map((file) => join(fixtures, file)), '--db', db, '--rejects', rejects, '--json', '--max-rejects', 'unlimited');
  expect(result.code, result.err).toBe(0);
  return JSON.parse(result.out) as { totals: Record<string, number>; skipped: Record<string, number> };
}

function rejectSources(path: string): Array<{ source: string; field: string }> {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { source: string; field: string })
    .map(({ source, field }) => ({ source, field }));
}

async function featureRows(db: string): Promise<Record<string, { calls: number; input_tokens: number; output_tokens: number; cache_read_tokens: number }>> {
  const report = await run('report', '--by', 'feature', '--json', '--db', db, '--from', '2026-03-01', '--to', '2026-03-04');
  expect(report.code, report.err).toBe(0);
  const rows = (JSON.parse(report.out) as { rows: Array<{ feature: string | null; calls: number; input_tokens: number; output_tokens: number; cache_read_tokens: number }> }).rows;
  return Object.fromEntries(rows.map((row) => [row.feature ?? '(untagged)', row]));
}

describe('unitcost import', () => {
  it('imports LiteLLM spend logs from JSON and CSV, once, with their tags and tokens', async () => {
    const db = join(directory, 'litellm.duckdb');
    const rejects = join(directory, 'litellm.rejects.jsonl');
    const first = await run('import', 'litellm', join(fixtures, 'litellm-spend-logs.json'), join(fixtures, 'litellm-spend-logs.csv'), '--db', db, '--rejects', rejects);
    // Two rows refused with the default --max-rejects 0: the summary is printed, and the exit code tells CI.
    expect(first.code, first.err).toBe(1);
    expect(first.err).toContain(`unitcost: 2 lines refused, more than --max-rejects 0 allows (pass --max-rejects unlimited to accept any); see ${rejects}`);
    expect(first.out).toContain('accepted    6 calls');
    expect(first.out).toContain('rejected    2');
    expect(first.out).toContain('skipped     2 rows not imported, by reason:');
    expect(first.out).toContain('1 × no token usage (call_type call_mcp_tool): nothing billed by tokens');
    expect(first.out).toContain(`rejected rows and conflicts, with file:line, field and reason: ${rejects}`);
    expect(rejectSources(rejects)).toEqual([
      { source: 'litellm-spend-logs.json:335', field: 'prompt_tokens' },
      { source: 'litellm-spend-logs.csv:4', field: 'startTime' },
    ]);

    const again = await importJson('litellm', ['litellm-spend-logs.json', 'litellm-spend-logs.csv'], db, rejects);
    expect(again.totals).toMatchObject({ accepted: 0, duplicates: 6, rejected: 2, skipped: 2, conflicts: 0 });

    const features = await featureRows(db);
    expect(features['support-faq']).toMatchObject({ calls: 4, input_tokens: 2048 + 6530, output_tokens: 120 + 287, cache_read_tokens: 1024 + 6144 });
    expect(features['coding-agent']).toMatchObject({ calls: 1, input_tokens: 12 + 2495, cache_read_tokens: 2495 });
    expect(features['doc-summarizer']).toMatchObject({ calls: 1, input_tokens: 3000, output_tokens: 300 });
  });

  it('imports Langfuse observations from JSON, CSV and JSON lines, skipping spans and events', async () => {
    const db = join(directory, 'langfuse.duckdb');
    const rejects = join(directory, 'langfuse.rejects.jsonl');
    const files = ['langfuse-observations.json', 'langfuse-observations.csv', 'langfuse-observations.jsonl'];
    const first = await importJson('langfuse', files, db, rejects);
    expect(first.totals).toMatchObject({ accepted: 5, rejected: 3, skipped: 5, duplicates: 0 });
    expect(first.skipped).toEqual({
      'observations of type SPAN are not model calls': 2,
      'observations of type EVENT are not model calls': 1,
      'observations of type TOOL are not model calls': 1,
      'a generation without usage details: nothing to bill': 1,
    });
    expect(rejectSources(rejects)).toEqual([
      { source: 'langfuse-observations.json:217', field: 'usageDetails.input' },
      { source: 'langfuse-observations.csv:5', field: 'usageDetails' },
      { source: 'langfuse-observations.jsonl:3', field: 'start_time' },
    ]);

    const again = await importJson('langfuse', files, db, rejects);
    expect(again.totals).toMatchObject({ accepted: 0, duplicates: 5 });

    const features = await featureRows(db);
    expect(features['coding-agent']).toMatchObject({ calls: 1, input_tokens: 42 + 38210 + 2150, output_tokens: 611 });
    expect(features['intent-classifier']).toMatchObject({ calls: 2, input_tokens: 1000 + 800 });
    expect(features['support-faq']).toMatchObject({ calls: 1, input_tokens: 300 + 6144 });
  });

  it('imports a Helicone export from JSON and CSV, once', async () => {
    const db = join(directory, 'helicone.duckdb');
    const rejects = join(directory, 'helicone.rejects.jsonl');
    const files = ['helicone-export.json', 'helicone-export.csv'];
    const first = await importJson('helicone', files, db, rejects);
    expect(first.totals).toMatchObject({ accepted: 7, rejected: 2, skipped: 1, unpriced: 0 });
    expect(rejectSources(rejects)).toEqual([
      { source: 'helicone-export.json:259', field: 'request_created_at' },
      { source: 'helicone-export.csv:4', field: 'prompt_tokens' },
    ]);

    const again = await importJson('helicone', files, db, rejects);
    expect(again.totals).toMatchObject({ accepted: 0, duplicates: 7 });

    const features = await featureRows(db);
    expect(features.search).toMatchObject({ calls: 5, input_tokens: 2048 + 2048 + 900, cache_read_tokens: 1024 + 1024 });
    expect(features['coding-agent']).toMatchObject({ calls: 2, input_tokens: 42 + 38210 + 2150 + 1200 });
  });

  it('refuses a tool it does not know, with exit code 2', async () => {
    const result = await run('import', 'langsmith', join(fixtures, 'helicone-export.json'), '--db', join(directory, 'none.duckdb'));
    expect(result.code).toBe(2);
    expect(result.err).toContain('cannot import from "langsmith": choose one of litellm, langfuse, helicone');
  });

  it('teaches the formats, the tag mapping and an example per tool in --help', async () => {
    const result = await run('import', '--help');
    expect(result.code).toBe(0);
    expect(result.out).toContain('Helicone-Property-Feature → feature');
    expect(result.out).toContain('unitcost import litellm spend-logs.json');
    expect(result.out).toContain('unitcost import langfuse');
    expect(result.out).toContain('unitcost import helicone');
    expect(result.out).toContain('--max-rejects <n>');
  });
});
