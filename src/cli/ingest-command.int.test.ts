import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db], io, appOptions)).toBe(0);
    expect(io.out()).toContain('accepted    3 (3 calls, 0 outcomes, 0 revenue)');
    expect(io.out()).toContain('rejected    1');
    expect(io.out()).toContain('unpriced    1 calls');
    expect(io.out()).toContain(`${path}.rejects.jsonl`);

    const again = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', path, '--db', db, '--json'], again, appOptions)).toBe(0);
    expect(JSON.parse(again.out()).totals).toMatchObject({ accepted: 0, duplicates: 3, rejected: 1 });

    const reprice = captureIo();
    expect(await runCli(['node', 'unitcost', 'reprice', '--db', db, '--from', '2026-03-01'], reprice, appOptions)).toBe(0);
    expect(reprice.out()).toContain('0 of 3 calls changed cost (0 newly priced)');
    expect(reprice.out()).toContain('1 calls remain unpriced');
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
