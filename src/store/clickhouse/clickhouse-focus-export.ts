import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { focusColumnNames } from '../../core/governance/focus/focus-columns.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { PricingGroup } from '../event-writer.js';
import type { FocusExportOutcome, FocusExportRun } from '../focus-exporter.js';
import { focusPricedModelsSql, focusRateColumns, focusRateRows, focusRowTotalsSql, focusRowsQuery, focusSelectSql, focusStoreTotalsSql } from '../sql/focus-export-queries.js';
import { clickhouseDialect } from '../sql/sql-dialect.js';
import type { ClickhouseConnection } from './clickhouse-connection.js';

/*
 * How ClickHouse runs the FOCUS export written in sql/focus-export-queries.ts: the rates and the rows in
 * scratch Memory tables of this export's own (18.16's HTTP interface keeps no session for temporary ones),
 * and the rows streamed out and written as the CSV DuckDB's COPY writes, byte for byte, so that a file does
 * not depend on the store it came from. 18.16 has no Parquet output: a Parquet export is refused, naming
 * the way round it.
 */

/**
 * A CSV field as DuckDB's COPY writes it: null empty, text quoted (quotes doubled) only when it holds a
 * comma, a quote or a line break, or is empty (so that it differs from null).
 */
export function duckdbCsvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  if (text === '') return '""';
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes the FOCUS file of a window from a ClickHouse store (CSV only; see above). */
export async function clickhouseExportFocus(connection: ClickhouseConnection, run: FocusExportRun, progress: (step: string) => void = () => {}): Promise<FocusExportOutcome> {
  if (run.format !== 'csv') {
    throw new UnitcostError(
      'not_implemented',
      'the FOCUS export from a ClickHouse store writes CSV only (ClickHouse 18.16 has no Parquet output): export --format csv, or copy the store to DuckDB (unitcost store copy) and export Parquet from it',
      { field: '--format' },
    );
  }
  const d = clickhouseDialect;
  const prefix = `scratch_focus_${randomBytes(6).toString('hex')}_`;
  const ratesTable = `${prefix}rates`;
  const rowsTable = `${prefix}rows`;
  // The search columns are in every ClickHouse schema.
  const query = { ...run, webSearch: true };
  const rows = focusRowsQuery(d, query, ratesTable);
  const cleanup = [d.dropScratchTable(rowsTable), ...rows.cleanup, d.dropScratchTable(ratesTable)];
  try {
    await connection.run(`CREATE TABLE ${ratesTable} (price_id String, band Int64, ${focusRateColumns.map((column) => `${column} Int64`).join(', ')}) ENGINE = Memory`);
    await connection.insert(ratesTable, ['price_id', 'band', ...focusRateColumns], focusRateRows(run.rates));
    progress('summing the calls by day, model, token class and tags');
    for (const statement of rows.setup) await connection.run(statement);
    await connection.run(d.createScratchTable(rowsTable, rows.sql));
    progress('writing the CSV file');
    await writeCsv(run.path, connection.streamRows(focusSelectSql(d, query, rowsTable)));
    const [written] = await connection.rows<{ row_count: string; billed: string | null; list: string | null; without_unit_price: string }>(focusRowTotalsSql(d, rowsTable));
    const [stored] = await connection.rows<{ priced: string; unpriced: string; total: string | null }>(focusStoreTotalsSql(d, run));
    return {
      rows: Number(written!.row_count),
      pricedCalls: Number(stored!.priced),
      unpricedCalls: Number(stored!.unpriced),
      storeTotalPicodollars: BigInt(stored!.total ?? 0),
      billedPicodollars: BigInt(written!.billed ?? 0),
      listPicodollars: BigInt(written!.list ?? 0),
      rowsWithoutUnitPrice: Number(written!.without_unit_price),
    };
  } finally {
    for (const statement of cleanup) await connection.run(statement).catch(() => {});
  }
}

/** The header and the rows as DuckDB writes them, through a file stream that waits when its buffer is full. */
async function writeCsv(path: string, rows: AsyncIterable<Record<string, unknown>>): Promise<void> {
  const file = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => file.once('error', reject));
  failed.catch(() => {});
  const write = async (line: string): Promise<void> => {
    if (!file.write(line)) await Promise.race([once(file, 'drain'), failed]);
  };
  try {
    await write(`${focusColumnNames.join(',')}\n`);
    let chunk = '';
    for await (const row of rows) {
      chunk += `${focusColumnNames.map((name) => duckdbCsvField(row[name])).join(',')}\n`;
      if (chunk.length > 1 << 16) {
        await write(chunk);
        chunk = '';
      }
    }
    await write(chunk);
  } finally {
    file.end();
    await Promise.race([once(file, 'close'), failed]);
  }
}

/** Every model the store has a price row for, as pricing groups spanning the range (FocusExporter.focusPricedModels). */
export async function clickhouseFocusPricedModels(connection: ClickhouseConnection, range: { fromMs: number; toMs: number }): Promise<PricingGroup[]> {
  const rows = await connection.rows<{ provider: string; model: string }>(focusPricedModelsSql(clickhouseDialect));
  return rows.map((row) => ({ provider: row.provider, model: row.model, calls: 0, firstMs: range.fromMs, lastMs: range.toMs - 1 }));
}
