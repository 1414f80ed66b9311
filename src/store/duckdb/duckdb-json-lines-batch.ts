import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from './duckdb-database.js';
import type { BatchOutcome, JsonLinesBatch, JsonLinesBatchOptions, ParsedJsonLines } from '../event-writer.js';
import type { AppendOutcome } from '../stored-rows.js';
import { jsonLinesTables, type StagingSet } from './duckdb-event-columns.js';
import { outcomeRowsSelect, parseLinesSql, usageRowsSql } from './duckdb-json-lines-sql.js';
import { DuckdbOpenBatch, type BatchHost } from './duckdb-open-batch.js';
import { writePriceRows } from './duckdb-price-rows.js';
import { costExpressions, coveredBy, newValues, stageAssignments } from './duckdb-repricer.js';
import { stagingCatalog } from './duckdb-staging.js';
import { insertRecordKeys, reusedKeyConflicts, type KeyedTable } from './duckdb-record-keys.js';

/*
 * A batch of JSON lines that DuckDB parses (the ingest fast path). The lines are staged as text with
 * their line numbers; parse() turns the common usage events and task outcomes into stored rows in SQL
 * (duckdb-json-lines-sql.ts), prices them by joining the rate rows reprice uses (duckdb-repricer.ts), and
 * hands every other line back for the JavaScript path, whose rows are added with add() as in any batch.
 * At commit every row of the batch, from either path, sits in one table per kind with its line number,
 * and repeats within the batch, rows already stored and reused ids are settled there in SQL, so that
 * the first line of an id wins exactly as in the JavaScript path.
 */

const duplicateWindowMs = 60_000;
const maximumExactCost = '9007199254740991';

interface Kind {
  final: string;
  key: string;
  table: 'usage_events' | 'task_outcomes' | 'revenue';
  what: string;
  outcome: AppendOutcome;
}

const sqlText = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** A DuckDB batch filled from JSON lines parsed in SQL, plus the rows JavaScript converted. */
export class DuckdbJsonLinesBatch extends DuckdbOpenBatch implements JsonLinesBatch {
  private readonly names: Record<'lines' | 'parsed' | 'sqlUsage' | 'rates' | 'finalUsage' | 'finalOutcomes' | 'finalRevenue' | 'repeats', string>;
  private sqlRows = { usage: 0, outcomes: 0 };

  private constructor(
    host: BatchHost,
    set: StagingSet,
    private readonly options: JsonLinesBatchOptions,
  ) {
    super(host, set);
    this.keepRepeats = true;
    const [lines, parsed, sqlUsage, rates, finalUsage, finalOutcomes, finalRevenue, repeats] = jsonLinesTables(set.number).map((table) => `${stagingCatalog}.main.${table}`);
    this.names = { lines: lines!, parsed: parsed!, sqlUsage: sqlUsage!, rates: rates!, finalUsage: finalUsage!, finalOutcomes: finalOutcomes!, finalRevenue: finalRevenue!, repeats: repeats! };
  }

  /** Opens a batch on a staging set: creates its line table and its per-kind tables of stored rows with their line. */
  static async open(host: BatchHost, set: StagingSet, options: JsonLinesBatchOptions): Promise<DuckdbJsonLinesBatch> {
    const batch = new DuckdbJsonLinesBatch(host, set, options);
    const connection = host.stagingConnection;
    const names = batch.names;
    await connection.run(`CREATE OR REPLACE TABLE ${names.lines} (line BIGINT, text VARCHAR)`);
    await connection.run(`CREATE OR REPLACE TABLE ${names.finalUsage} AS SELECT *, CAST(NULL AS BIGINT) AS line FROM usage_events LIMIT 0`);
    await connection.run(`CREATE OR REPLACE TABLE ${names.finalOutcomes} AS SELECT *, CAST(NULL AS BIGINT) AS line FROM task_outcomes LIMIT 0`);
    await connection.run(`CREATE OR REPLACE TABLE ${names.finalRevenue} AS SELECT *, CAST(NULL AS BIGINT) AS line FROM revenue LIMIT 0`);
    return batch;
  }

  override get added(): { usage: number; outcomes: number; revenue: number } {
    const added = super.added;
    return { usage: added.usage + this.sqlRows.usage, outcomes: added.outcomes + this.sqlRows.outcomes, revenue: added.revenue };
  }

  async addLines(text: string, firstLine: number): Promise<void> {
    const statement = await this.host.stagingConnection.prepare(
      `INSERT INTO ${this.names.lines} SELECT $1 + generate_subscripts(parts, 1) - 1, unnest(parts) FROM (SELECT string_split($2, chr(10)) AS parts)`,
    );
    statement.bindBigInt(1, BigInt(firstLine));
    statement.bindVarchar(2, text);
    await statement.run();
  }

  async parse(): Promise<ParsedJsonLines> {
    const connection = this.host.stagingConnection;
    const names = this.names;
    const source = (line: string): string => `${sqlText(`${this.options.file}:`)} || ${line}`;
    await connection.run(parseLinesSql(names.lines, names.parsed, this.options.nowMs));
    await connection.run(usageRowsSql(names.parsed, names.sqlUsage));
    await connection.run(`CREATE OR REPLACE TABLE ${names.parsed} AS SELECT line, kind, ts_ms, r, a_entries FROM ${names.parsed} WHERE kind = 'outcome'`);
    // Priced as reprice prices: one rate row per (model, price period, slice of day, input band) of the batch.
    const groups = await connection.runAndReadAll(`SELECT provider, model, count(*) AS calls, min(ts_ms) AS first_ms, max(ts_ms) AS last_ms FROM ${names.sqlUsage} GROUP BY ALL`);
    const { assignments, prices } = this.options.pricing(
      groups.getRowObjects().map((row) => ({ provider: row.provider as string | null, model: row.model as string, calls: Number(row.calls), firstMs: Number(row.first_ms), lastMs: Number(row.last_ms) })),
    );
    const [catalog, , ratesTable] = names.rates.split('.');
    await stageAssignments(connection, assignments, { catalog: catalog!, table: ratesTable! });
    const values = newValues('e');
    const exactTotal = Object.values(costExpressions('e')).map((expression) => `(${expression})`).join(' + ');
    const costColumns = ['price_id', 'priced_provider', 'priced_model', 'unpriced_reason', 'cost_input', 'cost_cache_read', 'cost_cache_write_5m', 'cost_cache_write_1h', 'cost_output', 'cost_reasoning', 'cost_audio', 'cost_request'];
    // A cost past 2^53 picodollars is refused by the JavaScript path (with its message): left to it. The
    // per-class casts are TRY_CASTs so that such a row's parts cannot fail the statement before it is left out.
    await connection.run(`INSERT INTO ${names.finalUsage} BY NAME
      SELECT * EXCLUDE (total_exact), CAST(total_exact AS BIGINT) AS cost_total FROM (
        SELECT e.* EXCLUDE (ts_ms), ${costColumns.map((column) => `${values[column]!.replace('CAST(', 'TRY_CAST(')} AS ${column}`).join(', ')},
          CASE WHEN r.price_id IS NULL THEN NULL ELSE ${exactTotal} END AS total_exact, ${source('e.line')} AS source
        FROM (SELECT *, epoch_ms(ts_ms) AS ts FROM ${names.sqlUsage}) e LEFT JOIN ${names.rates} r ON ${coveredBy('e')}
      ) WHERE total_exact IS NULL OR total_exact <= ${maximumExactCost}`);
    await connection.run(`INSERT INTO ${names.finalOutcomes} BY NAME
      SELECT task_id, outcome, epoch_ms(ts_ms) AS ts, feature, content_hash, ${source('line')} AS source, line FROM (${outcomeRowsSelect(names.parsed)})`);
    const counted = await connection.runAndReadAll(`SELECT
        (SELECT count(*) FROM ${names.finalUsage}) AS usage,
        (SELECT count(*) FROM ${names.finalUsage} WHERE price_id IS NULL) AS unpriced,
        (SELECT count(*) FROM ${names.finalOutcomes}) AS outcomes`);
    const counts = counted.getRowObjects()[0]!;
    this.sqlRows = { usage: Number(counts.usage), outcomes: Number(counts.outcomes) };
    const used = await connection.runAndReadAll(`SELECT DISTINCT price_id FROM ${names.finalUsage} WHERE price_id IS NOT NULL`);
    const usedIds = new Set(used.getRows().map((row) => String(row[0])));
    for (const price of prices) if (usedIds.has(price.priceId)) this.prices.set(price.priceId, price);
    const rest = await connection.runAndReadAll(
      `SELECT l.line, l.text FROM ${names.lines} l
       WHERE l.text <> '' AND NOT EXISTS (SELECT 1 FROM ${names.finalUsage} u WHERE u.line = l.line) AND NOT EXISTS (SELECT 1 FROM ${names.finalOutcomes} o WHERE o.line = l.line)
       ORDER BY l.line`,
    );
    const columns = rest.getColumns();
    const lineNumbers = (columns[0] ?? []).map((value) => Number(value));
    const texts = (columns[1] ?? []).map((value) => String(value));
    await connection.run(`DROP TABLE IF EXISTS ${names.lines}`);
    await connection.run(`DROP TABLE IF EXISTS ${names.parsed}`);
    await connection.run(`DROP TABLE IF EXISTS ${names.sqlUsage}`);
    return { lineNumbers, texts, usage: this.sqlRows.usage, outcomes: this.sqlRows.outcomes, unpriced: Number(counts.unpriced) };
  }

  override async commit(): Promise<BatchOutcome> {
    if (this.done) throw new Error('this batch was already committed or abandoned');
    this.done = true;
    const kinds: Kind[] = [
      { final: this.names.finalUsage, key: 'id', table: 'usage_events', what: 'id', outcome: this.usage.outcome },
      { final: this.names.finalOutcomes, key: 'task_id', table: 'task_outcomes', what: 'the outcome of task', outcome: this.outcomes.outcome },
      { final: this.names.finalRevenue, key: 'id', table: 'revenue', what: 'revenue id', outcome: this.revenue.outcome },
    ];
    const staged = [this.set.usage, this.set.outcomes, this.set.revenue] as const;
    const added = [super.added.usage, super.added.outcomes, super.added.revenue];
    try {
      return await this.host.serialize(async () => {
        const connection = this.host.connection;
        for (let index = 0; index < kinds.length; index += 1) {
          if (added[index]! > 0) await connection.run(staged[index]!.copyWithLineSql(kinds[index]!.final));
        }
        for (const kind of kinds) {
          await this.settleRepeats(connection, kind);
          await this.dropStoredRows(connection, kind);
          for (const conflict of await reusedKeyConflicts(connection, kind as KeyedTable)) kind.outcome.conflicts.push(conflict);
          if (kind.outcome.conflicts.length > 0) await connection.run(`DELETE FROM ${kind.final} WHERE line IN (${kind.outcome.conflicts.map((conflict) => conflict.index).join(', ')})`);
        }
        await inTransaction(connection, async () => {
          if (this.prices.size > 0) await writePriceRows(connection, [...this.prices.values()]);
          for (const kind of kinds) {
            const inserted = await connection.run(`INSERT INTO ${kind.table} SELECT * EXCLUDE (line) FROM ${kind.final}`);
            kind.outcome.inserted = Number(inserted.rowsChanged);
            await insertRecordKeys(connection, kind as KeyedTable);
          }
        });
        const sorted = (outcome: AppendOutcome): AppendOutcome => ({ ...outcome, conflicts: outcome.conflicts.sort((a, b) => a.index - b.index) });
        return { usage: sorted(this.usage.outcome), outcomes: sorted(this.outcomes.outcome), revenue: sorted(this.revenue.outcome) };
      });
    } finally {
      await this.host.release(this.set);
    }
  }

  // Repeats of a key within the batch: the first line wins; a later one is a duplicate when its content
  // is the same and a conflict otherwise, as DuckdbOpenBatch.stage decides in JavaScript.
  private async settleRepeats(connection: DuckDBConnection, kind: Kind): Promise<void> {
    const repeats = this.names.repeats;
    await connection.run(
      `CREATE OR REPLACE TABLE ${repeats} AS
       SELECT line, ${kind.key} AS key, source, content_hash = first_value(content_hash) OVER w AS same, row_number() OVER w AS place
       FROM ${kind.final} WHERE ${kind.key} IN (SELECT ${kind.key} FROM ${kind.final} GROUP BY ${kind.key} HAVING count(*) > 1)
       WINDOW w AS (PARTITION BY ${kind.key} ORDER BY line)`,
    );
    const later = await connection.runAndReadAll(`SELECT line, key, source, same FROM ${repeats} WHERE place > 1`);
    const rows = later.getRowObjects();
    if (rows.length === 0) return;
    for (const row of rows) {
      if (row.same === true) kind.outcome.duplicates += 1;
      else {
        const id = String(row.key);
        kind.outcome.conflicts.push({ index: Number(row.line), id, reason: `${kind.what} ${id} appears earlier in the same batch with different content`, source: (row.source as string | null) ?? null });
      }
    }
    await connection.run(`DELETE FROM ${kind.final} WHERE line IN (SELECT line FROM ${repeats} WHERE place > 1)`);
  }

  // Rows already stored, looked for among the stored rows of the batch's time range widened by a minute
  // (see duckdb-open-batch.ts): duplicates are counted, conflicts reported, and both dropped.
  private async dropStoredRows(connection: DuckDBConnection, kind: Kind): Promise<void> {
    const range = await connection.runAndReadAll(`SELECT epoch_ms(min(ts)) AS low, epoch_ms(max(ts)) AS high FROM ${kind.final}`);
    const { low, high } = range.getRowObjects()[0]!;
    if (low === null || high === null) return;
    const matched = this.names.repeats;
    await connection.run(
      `CREATE OR REPLACE TABLE ${matched} AS
       SELECT s.line, any_value(s.${kind.key}) AS key, any_value(s.source) AS source, bool_and(e.content_hash = s.content_hash) AS same
       FROM ${kind.final} s JOIN ${kind.table} e ON e.${kind.key} = s.${kind.key}
       WHERE e.ts BETWEEN epoch_ms(${Number(low) - duplicateWindowMs}::BIGINT) AND epoch_ms(${Number(high) + duplicateWindowMs}::BIGINT)
       GROUP BY s.line`,
    );
    const counted = await connection.runAndReadAll(`SELECT count(*) AS matched, count(*) FILTER (WHERE same) AS duplicates FROM ${matched}`);
    const { matched: matchedCount, duplicates } = counted.getRowObjects()[0]!;
    if (Number(matchedCount) === 0) return;
    kind.outcome.duplicates += Number(duplicates);
    if (Number(matchedCount) > Number(duplicates)) {
      const conflicts = await connection.runAndReadAll(`SELECT line, key, source FROM ${matched} WHERE NOT same`);
      for (const conflict of conflicts.getRowObjects()) {
        const id = String(conflict.key);
        kind.outcome.conflicts.push({ index: Number(conflict.line), id, reason: `${kind.what} ${id} is already stored with different content; the stored record is kept`, source: (conflict.source as string | null) ?? null });
      }
    }
    await connection.run(`DELETE FROM ${kind.final} WHERE line IN (SELECT line FROM ${matched})`);
  }
}
