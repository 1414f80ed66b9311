import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseEventRecord } from '../../core/events/parse-event-record.js';
import type { CapturedEvent } from '../capture-options.js';
import { jsonlFileSink } from './jsonl-file-sink.js';

const childScript = fileURLToPath(new URL('../../testing/sink-exit-child.ts', import.meta.url));

function event(step: number): CapturedEvent {
  return { timestamp: '2026-03-02T14:05:11Z', provider: 'openai', model: 'gpt-4.1', input_tokens: 10, output_tokens: 2, step };
}

function readLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('jsonlFileSink', () => {
  it('appends one valid event a line, in order, once flushed', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitcost-sink-')), 'nested', 'events.jsonl');
    const sink = jsonlFileSink(path);
    for (let step = 0; step < 3; step += 1) sink.write(event(step));
    await sink.flush();
    sink.write(event(3));
    await sink.close();
    const lines = readLines(path);
    expect(lines.map((line) => line.step)).toEqual([0, 1, 2, 3]);
    expect(lines.every((line) => parseEventRecord(line).ok)).toBe(true);
  });

  it('appends to a file that already has lines', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitcost-sink-')), 'events.jsonl');
    writeFileSync(path, `${JSON.stringify(event(0))}\n`);
    const sink = jsonlFileSink(path);
    sink.write(event(1));
    await sink.close();
    expect(readLines(path).map((line) => line.step)).toEqual([0, 1]);
  });

  it('does not touch the disk inside write()', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitcost-sink-')), 'events.jsonl');
    const sink = jsonlFileSink(path);
    sink.write(event(0));
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
    return sink.close();
  });

  it('reports a write it could not make instead of throwing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'unitcost-sink-')), 'a-file');
    writeFileSync(file, '');
    const errors: unknown[] = [];
    // The "folder" is a file, so the folder cannot be created.
    const sink = jsonlFileSink(join(file, 'events.jsonl'), { onError: (error) => errors.push(error) });
    sink.write(event(0));
    await sink.close();
    expect(errors).toHaveLength(1);
  });

  it('writes what was queued when the process ends on its own', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitcost-sink-')), 'events.jsonl');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', childScript, '', path], { timeout: 20_000 });
    expect(readLines(path)).toHaveLength(1);
  });
});
