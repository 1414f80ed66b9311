import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEventRecord } from '../core/events/parse-event-record.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-demo-'));
const appOptions = { now: () => new Date('2026-03-15T10:00:00Z'), directory: '/nonexistent' };
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('unitcost demo --out', () => {
  it('writes the asked number of records as JSONL that ingest accepts', async () => {
    const io = captureIo();
    const file = join(directory, 'demo.jsonl');
    const code = await runCli(['node', 'unitcost', 'demo', '--events', '2000', '--days', '10', '--out', file], io, appOptions);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2000);
    for (const line of lines) expect(parseEventRecord(JSON.parse(line), { nowMs: Date.parse('2026-03-15T10:00:00Z') }).ok).toBe(true);
    // Traffic ends at the start of "today" (UTC) unless --end says otherwise.
    const times = lines.map((line) => Date.parse(JSON.parse(line).timestamp as string));
    expect(Math.max(...times)).toBeLessThanOrEqual(Date.parse('2026-03-15T00:00:00Z'));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse('2026-03-05T00:00:00Z'));
    expect(io.out()).toContain('wrote 2,000 records');
    expect(io.out()).toContain(`unitcost ingest ${file}`);
  });

  it('writes the same file for the same seed and end', async () => {
    const first = join(directory, 'a.jsonl');
    const second = join(directory, 'b.jsonl');
    await runCli(['node', 'unitcost', 'demo', '--events', '500', '--seed', '9', '--end', '2026-02-01', '--out', first], captureIo(), appOptions);
    await runCli(['node', 'unitcost', 'demo', '--events', '500', '--seed', '9', '--end', '2026-02-01', '--out', second], captureIo(), appOptions);
    expect(readFileSync(first, 'utf8')).toBe(readFileSync(second, 'utf8'));
  });

  it('prints its counts as JSON with --json', async () => {
    const io = captureIo();
    await runCli(['node', 'unitcost', 'demo', '--events', '300', '--out', join(directory, 'c.jsonl'), '--json'], io, appOptions);
    const summary = JSON.parse(io.out());
    expect(summary.records).toBe(300);
    expect(summary.usageEvents + summary.outcomes + summary.revenue).toBe(300);
  });

  it('refuses a count that is not a whole number', async () => {
    const io = captureIo();
    const code = await runCli(['node', 'unitcost', 'demo', '--events', 'many', '--out', join(directory, 'd.jsonl')], io, appOptions);
    expect(code).toBe(2);
    expect(io.err()).toContain('--events must be a whole number, got "many"');
  });
});
