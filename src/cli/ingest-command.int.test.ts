import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { ingestFiles } from '../app/ingest-service.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const directory = mkdtempSync(join(tmpdir(), 'unitcost-ingest-cli-'));
const appOptions = { directory, environment: {}, now: () => new Date('2026-03-10T00:00:00Z') };

function callLine(index: number, model = 'gpt-4o-mini'): string {
  return JSON.stringify({
    id: `call-${index}`,
    timestamp: new Date(Date.parse('2026-03-01T00:00:00Z') + index * 10).toISOString(),
    provider: model === 'gpt-4o-mini' ? 'openai' : undefined,
    model,
    input_tokens: 1000 + (index % 5000),
    cache_read_tokens: index % 700,
    output_tokens: 20 + (index % 300),
    feature: ['support-bot', 'summarizer'][index % 2],
    user_id: `user-${index % 1000}`,
  });
}

describe('unitcost ingest and reprice', () => {
  it('prints what was accepted, refused and left unpriced, and what reprice moved', async () => {
    const path = join(directory, 'small.jsonl');
    writeFileSync(path, [callLine(1), callLine(2, 'in-house-llm'), '{"model":', callLine(3)].join('\n'));
    const db = join(directory, 'small.duckdb');
    const io = captureIo(true);
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db, '--max-rejects', '1'], io, appOptions)).toBe(0);
    expect(io.out()).toContain('accepted    3 (3 calls, 0 outcomes, 0 revenue)');
    expect(io.out()).toContain('rejected    1');
    expect(io.out()).toContain('unpriced    1 calls');
    expect(io.out()).toContain(`${path}.rejects.jsonl`);

    const again = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db, '--json', '--max-rejects', 'unlimited'], again, appOptions)).toBe(0);
    expect(JSON.parse(again.out()).totals).toMatchObject({ accepted: 0, duplicates: 3, rejected: 1 });

    const reprice = captureIo();
    expect(await runCli(['node', 'unitcost', 'reprice', '--db', db, '--from', '2026-03-01'], reprice, appOptions)).toBe(0);
    expect(reprice.out()).toContain('0 of 3 calls changed cost (0 newly priced)');
    expect(reprice.out()).toContain('1 calls remain unpriced');
  });

  it('exits 1 when any line is refused, by default, and still prints the summary and stores the good lines', async () => {
    const path = join(directory, 'one-bad.jsonl');
    writeFileSync(path, [callLine(10), '{"model":', callLine(11)].join('\n'));
    const db = join(directory, 'one-bad.duckdb');
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db], io, appOptions)).toBe(1);
    expect(io.out()).toContain('accepted    2 (2 calls, 0 outcomes, 0 revenue)');
    expect(io.out()).toContain('rejected    1');
    expect(io.err()).toContain(`unitcost: 1 lines refused, more than --max-rejects 0 allows (pass --max-rejects unlimited to accept any); see ${path}.rejects.jsonl`);

    const json = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db, '--json'], json, appOptions)).toBe(1);
    expect(JSON.parse(json.out()).totals).toMatchObject({ duplicates: 2, rejected: 1 });
  });

  it('exits 0 when every line is accepted, and refuses a --max-rejects that is not a count', async () => {
    const path = join(directory, 'all-good.jsonl');
    writeFileSync(path, [callLine(20), callLine(21)].join('\n'));
    const db = join(directory, 'all-good.duckdb');
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db], io, appOptions)).toBe(0);
    expect(io.err()).toBe('');

    const bad = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db, '--max-rejects', '-1'], bad, appOptions)).toBe(2);
    expect(bad.err()).toContain('--max-rejects must be a whole number from 0 up, or "unlimited", got "-1"');

    const help = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', '--help'], help, appOptions)).toBe(0);
    expect(help.out()).toContain('--max-rejects <n>');
  });

  it('refuses a CSV whose header misnames a column with one error about the header, not one per row', async () => {
    const rows = ['2026-03-01T00:00:00Z,openai,gpt-4o-mini,1000,20,u-1', '2026-03-01T00:00:01Z,openai,gpt-4o-mini,900,30,u-2'];
    const path = join(directory, 'misnamed.csv');
    writeFileSync(path, ['timestamp,provider,model,input_tokens,output_tokens,user', ...rows].join('\n'));
    const db = join(directory, 'misnamed.duckdb');
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db], io, appOptions)).toBe(2);
    expect(io.err()).toBe(
      'unitcost: misnamed.csv:1: the CSV header\'s column "user" is not a field of the event format (did you mean user_id or user_tier?). Nothing of this file was ingested: the fields are listed in docs/events.md, and your own tags go in attributes.<key> columns\n',
    );
    expect(existsSync(`${path}.rejects.jsonl`)).toBe(false);

    const fixed = join(directory, 'fixed.csv');
    writeFileSync(fixed, ['timestamp,provider,model,input_tokens,output_tokens,user_id', ...rows].join('\n'));
    const again = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', fixed, '--db', db, '--json'], again, appOptions)).toBe(0);
    expect(JSON.parse(again.out()).totals).toMatchObject({ accepted: 2, rejected: 0 });
  });

  // Through the conversion worker (--worker), which the in-process reference ingest does without.
  it('loses no reported batch when killed with SIGKILL, and a rerun finishes with exact totals', async () => {
    const lines = 120_000;
    const batchSize = 4000;
    const path = join(directory, 'large.jsonl');
    writeFileSync(path, `${Array.from({ length: lines }, (_, index) => callLine(index)).join('\n')}\n`);
    const db = join(directory, 'killed.duckdb');
    const command = [process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/bin.ts'), 'ingest', path, '--db', db, '--batch-size', String(batchSize), '--progress', '--worker']] as const;

    // Kill the ingest once it has reported a few committed batches.
    const child = spawn(command[0], command[1], { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
    let reported = 0;
    let stderr = '';
    await new Promise<void>((done, fail) => {
      child.stderr.on('data', (data: Buffer) => {
        stderr += data.toString();
        const accepted = [...stderr.matchAll(/([\d,]+) accepted/g)].map((match) => Number(match[1]!.replaceAll(',', '')));
        reported = accepted.at(-1) ?? 0;
        if (reported >= 5 * batchSize && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? done() : fail(new Error(`ingest ended before it was killed (${code}): ${stderr}`))));
    });

    const killed = await DuckdbStore.open(db);
    const survived = (await killed.counts()).usageEvents;
    await killed.close();
    expect(survived).toBeGreaterThanOrEqual(reported);
    expect(survived).toBeLessThan(lines);
    // Every batch is committed whole or not at all.
    expect(survived % batchSize).toBe(0);

    const rerun = spawnSync(command[0], [...command[1].filter((argument) => argument !== '--progress'), '--json'], { cwd: directory, encoding: 'utf8' });
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).totals).toMatchObject({ lines, accepted: lines - survived, duplicates: survived, rejected: 0, conflicts: 0 });

    const reference = await DuckdbStore.open(join(directory, 'reference.duckdb'));
    await ingestFiles(createApp(appOptions), reference, [path]);
    const expected = await reference.counts();
    await reference.close();
    const finished = await DuckdbStore.open(db);
    expect(await finished.counts()).toEqual(expected);
    await finished.close();
    expect(expected.usageEvents).toBe(lines);
  }, 120_000);
});
