import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readServerDiscovery, serverDiscoveryPath, writeServerDiscovery } from './server-discovery.js';

const storeIn = (): string => join(mkdtempSync(join(tmpdir(), 'unitcost-discovery-')), 'store.duckdb');
const startedAt = new Date('2026-03-10T09:00:00Z');

describe('server discovery', () => {
  it('names the server of a store in a file beside it', () => {
    const store = storeIn();
    writeServerDiscovery(store, { url: 'http://127.0.0.1:8787', startedAt });
    expect(serverDiscoveryPath(store)).toBe(`${store}.server.json`);
    expect(readServerDiscovery(store)).toEqual({ url: 'http://127.0.0.1:8787', pid: process.pid, startedAt: '2026-03-10T09:00:00.000Z' });
  });

  it('ignores a stale file whose process is gone', () => {
    const store = storeIn();
    writeServerDiscovery(store, { url: 'http://127.0.0.1:8787', pid: 4_000_000, startedAt });
    expect(readServerDiscovery(store)).toBeNull();
    expect(readServerDiscovery(store, () => false)).toBeNull();
  });

  it('ignores a missing or unreadable file', () => {
    const store = storeIn();
    expect(readServerDiscovery(store)).toBeNull();
    writeFileSync(serverDiscoveryPath(store), '{"url": 8787');
    expect(readServerDiscovery(store)).toBeNull();
    writeFileSync(serverDiscoveryPath(store), '{"url": "http://127.0.0.1:8787", "pid": "1"}');
    expect(readServerDiscovery(store, () => true)).toBeNull();
  });

  it('removes the file on a clean shutdown, unless another server has written its own since', () => {
    const store = storeIn();
    const remove = writeServerDiscovery(store, { url: 'http://127.0.0.1:8787', startedAt });
    remove();
    expect(existsSync(serverDiscoveryPath(store))).toBe(false);
    const removeFirst = writeServerDiscovery(store, { url: 'http://127.0.0.1:8787', startedAt });
    writeServerDiscovery(store, { url: 'http://127.0.0.1:9000', pid: process.pid + 1, startedAt });
    removeFirst();
    expect(readServerDiscovery(store, () => true)?.url).toBe('http://127.0.0.1:9000');
  });
});
