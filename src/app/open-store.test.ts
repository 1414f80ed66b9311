import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from './create-app.js';
import { storePath } from './open-store.js';

describe('storePath', () => {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-store-path-'));
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ db: 'from-config.duckdb' }));

  it('uses ./unitcost.duckdb when nothing names a store', () => {
    const app = createApp({ directory: join(directory, 'missing'), environment: {} });
    expect(storePath(app)).toBe(resolve('unitcost.duckdb'));
  });

  it('takes the config file db, then UNITCOST_DB over it, then --db over both', () => {
    expect(storePath(createApp({ directory, environment: {} }))).toBe(resolve('from-config.duckdb'));
    const fromEnvironment = createApp({ directory, environment: { UNITCOST_DB: '/data/env.duckdb' } });
    expect(storePath(fromEnvironment)).toBe('/data/env.duckdb');
    expect(storePath(fromEnvironment, { db: '/data/flag.duckdb' })).toBe('/data/flag.duckdb');
  });
});
