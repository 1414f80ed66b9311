import type { DuckDBVector } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckdbDatabase, type DuckdbDatabase } from './duckdb-database.js';
import { copyDoubles, measureColumnsOf } from './report-rows.js';

// measureColumnsOf reads DOUBLE columns from the vectors' own storage (values and validity bits) when it can:
// it must give what DuckDB's own reader gives, null as 0, over several chunks, and fall back item by item.

describe('reading measure columns', () => {
  let database: DuckdbDatabase;
  beforeAll(async () => {
    database = await openDuckdbDatabase(':memory:');
  });
  afterAll(() => database.close());

  it('gives every DOUBLE as DuckDB reads it (null as 0) across chunks, keys as they are, and exact sums in place of doubles', async () => {
    // 5,000 rows: three chunks; nulls every 7th row, a column of nulls only, one without any; one row's sums past 2^53.
    const sql = `SELECT i::INTEGER AS slice_id, CASE WHEN i % 5 = 0 THEN NULL ELSE 'user-' || i END AS user_id,
        CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1.5 END::DOUBLE AS sparse, NULL::DOUBLE AS empty, (i * 3)::DOUBLE AS full,
        (i * 11)::DOUBLE AS cost, CASE WHEN i = 4321 THEN '9007199254740993' END AS exact_sums
      FROM range(5000) t(i) ORDER BY i`;
    const read = await measureColumnsOf(database.connection, { sql, values: {} }, { exactSums: ['cost'] });
    const reference = (await database.connection.runAndReadAll(sql)).getColumnsObjectJS();
    expect(read.length).toBe(5000);
    expect(read.columns.sparse).toBeInstanceOf(Float64Array);
    expect(Array.from(read.columns.sparse!)).toEqual(reference.sparse!.map((value) => value ?? 0));
    expect(Array.from(read.columns.empty!)).toEqual(reference.empty!.map(() => 0));
    expect(Array.from(read.columns.full!)).toEqual(reference.full);
    expect(Array.from(read.columns.user_id!)).toEqual(reference.user_id);
    expect(Array.from(read.columns.slice_id!)).toEqual(reference.slice_id);
    const cost = Array.from(read.columns.cost!);
    expect(cost[4321]).toBe(9_007_199_254_740_993n);
    expect(cost.filter((_, index) => index !== 4321)).toEqual(reference.cost!.filter((_, index) => index !== 4321));
    expect(read.columns.exact_sums).toBeUndefined();
  });

  it('reads a vector item by item when its storage is not where this library version keeps it', () => {
    const values = [1.5, null, 3, null, 7.25];
    const vector = { getItem: (index: number) => values[index] ?? null } as unknown as DuckDBVector;
    const target = new Float64Array(7);
    copyDoubles(vector, target, 2, values.length);
    expect(Array.from(target)).toEqual([0, 0, 1.5, 0, 3, 0, 7.25]);
  });
});
