import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

async function run(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, { directory: '/nonexistent-config-dir' });
  return { code, out: io.out(), err: io.err() };
}

describe('unitcost keys', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'unitcost-keys-')), 'store.duckdb');

  it('creates a key, prints it alone on stdout once, and lists it without its secret', async () => {
    const created = await run('keys', 'create', '--name', 'billing-service', '--scope', 'ingest', '--db', db);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^uck_[0-9a-f]{10}_[A-Za-z0-9_-]{43}\n$/);
    expect(created.err).toContain('cannot be shown again');
    const listed = await run('keys', 'list', '--db', db, '--json');
    const keys = JSON.parse(listed.out).keys as Array<Record<string, unknown>>;
    expect(keys).toEqual([expect.objectContaining({ name: 'billing-service', scope: 'ingest', revoked_at: null })]);
    expect(listed.out).not.toContain(created.out.trim().slice(15));
  });

  it('refuses an unknown scope and a name already in use', async () => {
    const scope = await run('keys', 'create', '--name', 'x', '--scope', 'write', '--db', db);
    expect(scope.code).toBe(2);
    expect(scope.err).toContain('scope must be one of ingest, read, admin');
    const taken = await run('keys', 'create', '--name', 'billing-service', '--scope', 'read', '--db', db);
    expect(taken.code).toBe(2);
    expect(taken.err).toContain('already named "billing-service"');
  });

  it('revokes a key by name, and says so in the list', async () => {
    const revoked = await run('keys', 'revoke', 'billing-service', '--db', db);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toContain('revoked key "billing-service"');
    const listed = await run('keys', 'list', '--db', db);
    expect(listed.out).toMatch(/billing-service.*ingest.*revoked/);
    const again = await run('keys', 'revoke', 'no-such-key', '--db', db);
    expect(again.code).toBe(2);
  });
});
