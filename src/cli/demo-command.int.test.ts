import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-demo-db-'));
const appOptions = { now: () => new Date('2026-03-15T10:00:00Z'), directory: '/nonexistent' };
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('unitcost demo into the store', () => {
  const db = join(directory, 'demo.duckdb');

  it('stores every record, priced, with the unknown model unpriced', async () => {
    const io = captureIo();
    const code = await runCli(['node', 'unitcost', 'demo', '--events', '20000', '--days', '30', '--db', db, '--json'], io, appOptions);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(io.out());
    expect(result).toMatchObject({ records: 20_000, inserted: 20_000, duplicates: 0, conflicts: 0 });
    expect(result.unpriced).toBeGreaterThan(0);
  });

  it('changes nothing when loaded again', async () => {
    const io = captureIo();
    await runCli(['node', 'unitcost', 'demo', '--events', '20000', '--days', '30', '--db', db], io, appOptions);
    expect(io.out()).toContain('0 new, 20,000 already stored');
    expect(io.out()).toContain('pro        $20/seat/month, 1,000 requests included, then $0.01 per request');
  });
});
