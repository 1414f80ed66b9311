import { randomBytes } from 'node:crypto';
import type { AppendOptions, BatchOutcome, EventBatch, EventWriter, OpenBatch, PricingGroup, RateAssignment, RepricedModel, StoreCounts, TimeRange } from '../event-writer.js';
import type { AppendOutcome, StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { coveredBy, newValues, rateColumns, repriceChanges, sqlRateName, type RateColumn } from '../sql/reprice-expressions.js';
import { clickhouseDialect } from '../sql/sql-dialect.js';
import { outcomeColumns, priceColumns, revenueColumns, rowValues, usageColumns, type ClickhouseColumn } from './clickhouse-columns.js';
import { sqlString, type ClickhouseConnection } from './clickhouse-connection.js';

/*
 * The ClickHouse EventWriter. A batch's rows are settled among themselves in JavaScript (a repeat is a
 * duplicate, a changed repeat a conflict), then staged into Memory tables of their own, so nothing is
 * visible before commit. Commit checks the staged ids against record_keys through its primary index, and
 * copies the new rows into the stored tables with INSERT … SELECT, then their keys: events before keys,
 * so that a crash between the two leaves events whose re-send is inserted again (and collapsed by the
 * ReplacingMergeTree) rather than keys without events. ClickHouse has no transactions across tables, so
 * a batch is all or nothing per table, and a failed commit acknowledged nothing: its re-send stores what
 * is missing and counts the rest as duplicates.
 */

interface Kind<Row> {
  table: 'usage_events' | 'task_outcomes' | 'revenue';
  /** Its name in record_keys. */
  keyKind: 'usage' | 'outcome' | 'revenue';
  keyColumn: string;
  key: (row: Row) => string;
  /** How a conflict names the record. */
  what: string;
  columns: ReadonlyArray<ClickhouseColumn<Row>>;
  versioned: boolean;
}

const usageKind: Kind<StoredUsageRow> = { table: 'usage_events', keyKind: 'usage', keyColumn: 'id', key: (row) => row.id, what: 'id', columns: usageColumns, versioned: true };
const outcomeKind: Kind<StoredOutcomeRow> = { table: 'task_outcomes', keyKind: 'outcome', keyColumn: 'task_id', key: (row) => row.taskId, what: 'the outcome of task', columns: outcomeColumns, versioned: false };
const revenueKind: Kind<StoredRevenueRow> = { table: 'revenue', keyKind: 'revenue', keyColumn: 'id', key: (row) => row.id, what: 'revenue id', columns: revenueColumns, versioned: false };

interface KindState {
  seen: Map<string, string>;
  added: number;
  kept: number;
  outcome: AppendOutcome;
  duplicateIndexes: number[] | null;
  staged: string;
  created: boolean;
}

const newState = (staged: string, listDuplicates: boolean): KindState => ({
  seen: new Map(),
  added: 0,
  kept: 0,
  outcome: { inserted: 0, duplicates: 0, conflicts: [] },
  duplicateIndexes: listDuplicates ? [] : null,
  staged,
  created: false,
});

const columnList = (columns: ReadonlyArray<{ name: string }>): string => columns.map((column) => column.name).join(', ');

class ClickhouseOpenBatch implements OpenBatch {
  private readonly usage: KindState;
  private readonly outcomes: KindState;
  private readonly revenue: KindState;
  private readonly prices = new Map<string, StoredPriceRow>();
  private done = false;

  constructor(
    private readonly writer: ClickhouseEventWriter,
    private readonly connection: ClickhouseConnection,
    listDuplicates: boolean,
  ) {
    const prefix = `unitcost_stage_${randomBytes(6).toString('hex')}`;
    this.usage = newState(`${prefix}_usage`, listDuplicates);
    this.outcomes = newState(`${prefix}_outcomes`, listDuplicates);
    this.revenue = newState(`${prefix}_revenue`, listDuplicates);
  }

  get added(): { usage: number; outcomes: number; revenue: number } {
    return { usage: this.usage.added, outcomes: this.outcomes.added, revenue: this.revenue.added };
  }

  async add(records: EventBatch): Promise<void> {
    if (this.done) throw new Error('this batch was already committed or abandoned');
    // Every row is checked before any is staged, so a bad row leaves the batch as it was.
    const usage = this.settle(usageKind, this.usage, records.usage ?? []);
    const outcomes = this.settle(outcomeKind, this.outcomes, records.outcomes ?? []);
    const revenue = this.settle(revenueKind, this.revenue, records.revenue ?? []);
    for (const settled of [usage, outcomes, revenue]) settled.apply();
    await this.stage(usageKind, this.usage, usage.values);
    await this.stage(outcomeKind, this.outcomes, outcomes.values);
    await this.stage(revenueKind, this.revenue, revenue.values);
    for (const price of records.prices ?? []) this.prices.set(price.priceId, price);
  }

  /** Settles repeats within the batch: the rows to stage with their batch positions, checked, and how to record the rest in the batch's state. */
  private settle<Row extends { contentHash: string; source: string | null }>(kind: Kind<Row>, state: KindState, rows: readonly Row[]): { values: unknown[][]; apply: () => void } {
    const values: unknown[][] = [];
    const seen = new Map<string, string>();
    const outcome: AppendOutcome = { inserted: 0, duplicates: 0, conflicts: [] };
    const duplicateIndexes: number[] = [];
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index]!;
      const id = kind.key(row);
      const position = state.added + index;
      const earlier = state.seen.get(id) ?? seen.get(id);
      if (earlier === undefined) {
        seen.set(id, row.contentHash);
        values.push([position, ...rowValues(kind.columns, row, `${kind.what} ${id} (${row.source ?? `record ${position}`})`)]);
      } else if (earlier === row.contentHash) {
        outcome.duplicates += 1;
        duplicateIndexes.push(position);
      } else {
        outcome.conflicts.push({ index: position, id, reason: `${kind.what} ${id} appears earlier in the same batch with different content`, source: row.source });
      }
    }
    const apply = (): void => {
      for (const [id, hash] of seen) state.seen.set(id, hash);
      state.outcome.duplicates += outcome.duplicates;
      state.outcome.conflicts.push(...outcome.conflicts);
      state.duplicateIndexes?.push(...duplicateIndexes);
      state.added += rows.length;
    };
    return { values, apply };
  }

  private async stage<Row>(kind: Kind<Row>, state: KindState, values: unknown[][]): Promise<void> {
    if (values.length === 0) return;
    if (!state.created) {
      // The staged table has the stored table's types (an empty SELECT of its columns) and the batch position.
      await this.connection.run(`CREATE TABLE ${state.staged} ENGINE = Memory AS SELECT toUInt32(0) AS row_index, ${columnList(kind.columns)} FROM ${kind.table} WHERE 0`);
      state.created = true;
    }
    await this.connection.insert(state.staged, ['row_index', ...kind.columns.map((column) => column.name)], values);
    state.kept += values.length;
  }

  async commit(): Promise<BatchOutcome> {
    if (this.done) throw new Error('this batch was already committed or abandoned');
    this.done = true;
    try {
      return await this.writer.serialize(async () => {
        if (this.prices.size > 0) await this.writer.upsertPrices([...this.prices.values()]);
        await this.commitKind(usageKind, this.usage);
        await this.commitKind(outcomeKind, this.outcomes);
        await this.commitKind(revenueKind, this.revenue);
        const sorted = ({ outcome, duplicateIndexes }: KindState): AppendOutcome => ({
          ...outcome,
          conflicts: outcome.conflicts.sort((a, b) => a.index - b.index),
          ...(duplicateIndexes ? { duplicateIndexes: duplicateIndexes.sort((a, b) => a - b) } : {}),
        });
        return { usage: sorted(this.usage), outcomes: sorted(this.outcomes), revenue: sorted(this.revenue) };
      });
    } finally {
      await this.dropStaged();
    }
  }

  private async commitKind<Row>(kind: Kind<Row>, state: KindState): Promise<void> {
    if (state.kept === 0) return;
    const matched = `${state.staged}_matched`;
    await this.connection.run(
      `CREATE TABLE ${matched} ENGINE = Memory AS
       SELECT row_index, staged_hash = stored_hash AS same
       FROM (SELECT row_index, ${kind.keyColumn} AS record_id, content_hash AS staged_hash FROM ${state.staged})
       ANY INNER JOIN (
         SELECT id AS record_id, content_hash AS stored_hash FROM record_keys
         WHERE kind = ${sqlString(kind.keyKind)} AND id IN (SELECT ${kind.keyColumn} FROM ${state.staged})
       ) USING record_id`,
    );
    try {
      const [counted] = await this.connection.rows<{ matched: string; duplicates: string }>(`SELECT count() AS matched, countIf(same) AS duplicates FROM ${matched}`);
      const matchedCount = Number(counted!.matched);
      const duplicates = Number(counted!.duplicates);
      state.outcome.duplicates += duplicates;
      state.outcome.inserted = state.kept - matchedCount;
      if (state.duplicateIndexes && duplicates > 0) {
        const same = await this.connection.rows<{ row_index: number }>(`SELECT row_index FROM ${matched} WHERE same`);
        state.duplicateIndexes.push(...same.map((row) => Number(row.row_index)));
      }
      if (matchedCount > duplicates) {
        const conflicts = await this.connection.rows<{ row_index: number; id: string; source: string | null }>(
          `SELECT row_index, ${kind.keyColumn} AS id, source FROM ${state.staged} WHERE row_index IN (SELECT row_index FROM ${matched} WHERE NOT same)`,
        );
        for (const conflict of conflicts) {
          state.outcome.conflicts.push({ index: Number(conflict.row_index), id: conflict.id, reason: `${kind.what} ${conflict.id} is already stored with different content; the stored record is kept`, source: conflict.source });
        }
      }
      if (state.outcome.inserted === 0) return;
      const fresh = `FROM ${state.staged} WHERE row_index NOT IN (SELECT row_index FROM ${matched})`;
      const columns = columnList(kind.columns);
      if (kind.versioned) await this.connection.run(`INSERT INTO ${kind.table} (${columns}, version) SELECT ${columns}, 0 ${fresh}`);
      else await this.connection.run(`INSERT INTO ${kind.table} (${columns}) SELECT ${columns} ${fresh}`);
      // The days the report summaries must recompute, logged after the rows (clickhouse-report-summaries.ts):
      // a refresh that reads the log before this sees the rows already, or sees this entry next time.
      if (kind.keyKind !== 'revenue') {
        await this.connection.run(
          `INSERT INTO report_changes (kind, day) SELECT ${sqlString(kind.keyKind)}, toDate(toDateTime(intDiv(ts_us, 1000000)), 'UTC') AS changed_day ${fresh} GROUP BY changed_day`,
        );
      }
      await this.connection.run(`INSERT INTO record_keys (kind, id, content_hash) SELECT ${sqlString(kind.keyKind)}, ${kind.keyColumn}, content_hash ${fresh}`);
    } finally {
      await this.connection.run(`DROP TABLE IF EXISTS ${matched}`);
    }
  }

  async abandon(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.dropStaged();
  }

  private async dropStaged(): Promise<void> {
    for (const state of [this.usage, this.outcomes, this.revenue]) {
      if (state.created) await this.connection.run(`DROP TABLE IF EXISTS ${state.staged}`);
    }
  }
}

/** The rate row's columns in the reprice join: ClickHouse keeps the right side's names apart, so they are prefixed; the model is the join key. */
const rate: RateColumn = (column) => (column === 'model' ? 'model' : `r_${column}`);

const rangeCondition = (range: TimeRange, alias: string): string =>
  [range.fromMs === undefined ? null : clickhouseDialect.eventAtOrAfterMs(alias, range.fromMs), range.toMs === undefined ? null : clickhouseDialect.eventBeforeMs(alias, range.toMs)]
    .filter((condition) => condition !== null)
    .join(' AND ') || '1';

export class ClickhouseEventWriter implements EventWriter {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly connection: ClickhouseConnection) {}

  /** Runs commits one at a time: each checks record_keys as the previous one left them. */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async openBatch(options: AppendOptions = {}): Promise<OpenBatch> {
    return new ClickhouseOpenBatch(this, this.connection, options.listDuplicates === true);
  }

  async appendBatch(batch: EventBatch, options: AppendOptions = {}): Promise<BatchOutcome> {
    const open = await this.openBatch(options);
    try {
      await open.add(batch);
    } catch (error) {
      await open.abandon();
      throw error;
    }
    return open.commit();
  }

  async appendUsage(rows: StoredUsageRow[]): Promise<AppendOutcome> {
    return (await this.appendBatch({ usage: rows })).usage;
  }

  async appendOutcomes(rows: StoredOutcomeRow[]): Promise<AppendOutcome> {
    return (await this.appendBatch({ outcomes: rows })).outcomes;
  }

  async appendRevenue(rows: StoredRevenueRow[]): Promise<AppendOutcome> {
    return (await this.appendBatch({ revenue: rows })).revenue;
  }

  /** Inserts the rows with a version above every stored one: FINAL reads (and merges) keep the newest row per price id. */
  async upsertPrices(rows: StoredPriceRow[]): Promise<void> {
    if (rows.length === 0) return;
    const [newest] = await this.connection.rows<{ version: string }>('SELECT max(version) AS version FROM prices');
    const version = BigInt(newest?.version ?? '0') + 1n;
    const values = rows.map((row) => [...rowValues(priceColumns, row, `price ${row.priceId}`), version]);
    await this.connection.insert('prices', [...priceColumns.map((column) => column.name), 'version'], values);
  }

  async counts(): Promise<StoreCounts> {
    const [usage] = await this.connection.rows<{ calls: string; unpriced: string; cost: string }>(
      'SELECT count() AS calls, countIf(cost_total IS NULL) AS unpriced, toString(sum(toDecimal128(ifNull(cost_total, 0), 0))) AS cost FROM usage_events FINAL',
    );
    const [others] = await this.connection.rows<{ outcomes: string; revenue: string; prices: string }>(
      'SELECT (SELECT count() FROM task_outcomes FINAL) AS outcomes, (SELECT count() FROM revenue FINAL) AS revenue, (SELECT count() FROM prices FINAL) AS prices',
    );
    return {
      usageEvents: Number(usage!.calls),
      unpricedEvents: Number(usage!.unpriced),
      outcomes: Number(others!.outcomes),
      revenue: Number(others!.revenue),
      prices: Number(others!.prices),
      costTotalPicodollars: BigInt(usage!.cost),
    };
  }

  async pricingGroups(range: TimeRange): Promise<PricingGroup[]> {
    const rows = await this.connection.rows<{ provider: string | null; model: string; calls: string; first_ms: string; last_ms: string }>(
      `SELECT provider, model, count() AS calls, intDiv(min(ts_us), 1000) AS first_ms, intDiv(max(ts_us), 1000) AS last_ms
       FROM usage_events AS e FINAL WHERE ${rangeCondition(range, 'e')} GROUP BY provider, model ORDER BY model, provider`,
    );
    return rows.map((row) => ({ provider: row.provider, model: row.model, calls: Number(row.calls), firstMs: Number(row.first_ms), lastMs: Number(row.last_ms) }));
  }

  /**
   * Reprices in two statements, like DuckDB's: an aggregate of old against new costs per model, then an
   * INSERT of the calls whose price or cost changes as new versions of themselves, which FINAL reads keep
   * (ClickHouse's UPDATE is an asynchronous mutation; a new version is visible when the INSERT returns).
   */
  async applyRates(range: TimeRange, assignments: RateAssignment[], prices: StoredPriceRow[]): Promise<RepricedModel[]> {
    return this.serialize(async () => {
      await this.upsertPrices(prices);
      if (assignments.length === 0) return [];
      const rates = `unitcost_reprice_${randomBytes(6).toString('hex')}`;
      const rateNames = rateColumns.map(sqlRateName);
      const staged = ['provider', 'from_ms', 'to_ms', 'day_second_from', 'day_second_to', 'input_above', 'input_at_most', 'price_id', 'priced_provider', 'priced_model', 'unpriced_reason', ...rateNames];
      await this.connection.run(`CREATE TABLE ${rates} (model String, r_provider Nullable(String), r_from_ms Int64, r_to_ms Int64, r_day_second_from Int32, r_day_second_to Int32,
        r_input_above Int64, r_input_at_most Int64, r_price_id Nullable(String), r_priced_provider Nullable(String), r_priced_model Nullable(String), r_unpriced_reason Nullable(String),
        ${rateNames.map((name) => `r_${name} Nullable(Int64)`).join(', ')}) ENGINE = Memory`);
      try {
        await this.connection.insert(
          rates,
          ['model', ...staged.map((name) => `r_${name}`)],
          assignments.map((assignment) => [
            assignment.model,
            assignment.provider,
            assignment.fromMs,
            assignment.toMs,
            assignment.daySecondFrom,
            assignment.daySecondTo,
            assignment.inputAbove,
            assignment.inputAtMost,
            assignment.price?.priceId ?? null,
            assignment.price?.pricedProvider ?? null,
            assignment.price?.pricedModel ?? null,
            assignment.unpricedReason,
            // A priced assignment without a search price charges nothing per search (null would unprice the call).
            ...rateColumns.map((name) => (assignment.price === null ? null : (assignment.price.rates[name] ?? 0))),
          ]),
        );
        const joined = `usage_events AS e FINAL ALL INNER JOIN ${rates} USING model WHERE ${coveredBy('e', clickhouseDialect, rate)} AND ${rangeCondition(range, 'e')}`;
        const values = newValues('e', clickhouseDialect, rate);
        const summary = await this.connection.rows<Record<string, string | null>>(
          `SELECT provider, model, count() AS calls,
             countIf(${clickhouseDialect.distinct('old_total', 'new_total')}) AS repriced,
             countIf(old_total IS NULL AND new_total IS NOT NULL) AS newly_priced,
             countIf(old_total IS NOT NULL AND new_total IS NULL) AS newly_unpriced,
             countIf(new_total IS NULL) AS unpriced_after,
             toString(sum(toDecimal128(ifNull(old_total, 0), 0))) AS old_sum,
             toString(sum(toDecimal128(ifNull(new_total, 0), 0))) AS new_sum
           FROM (SELECT e.provider AS provider, e.model AS model, e.cost_total AS old_total, ${values.cost_total} AS new_total FROM ${joined})
           GROUP BY provider, model
           ORDER BY sum(toDecimal128(ifNull(new_total, 0), 0)) DESC, model`,
        );
        const [newest] = await this.connection.rows<{ version: string }>('SELECT max(version) AS version FROM usage_events');
        const version = (BigInt(newest?.version ?? '0') + 1n).toString();
        const columns = usageColumns.map((column) => column.name);
        await this.connection.run(
          `INSERT INTO usage_events (${columns.join(', ')}, version)
           SELECT ${columns.map((name) => values[name] ?? `e.${name}`).join(', ')}, ${version}
           FROM ${joined} AND (${repriceChanges('e', clickhouseDialect, rate)})`,
        );
        // The days whose calls have a new version: the report summaries recompute them (clickhouse-report-summaries.ts).
        await this.connection.run(`INSERT INTO report_changes (kind, day) SELECT 'usage', day FROM usage_events WHERE version = ${version} GROUP BY day`);
        return summary.map((row) => ({
          provider: row.provider ?? null,
          model: String(row.model),
          calls: Number(row.calls),
          repriced: Number(row.repriced),
          newlyPriced: Number(row.newly_priced),
          newlyUnpriced: Number(row.newly_unpriced),
          unpricedAfter: Number(row.unpriced_after),
          oldTotalPicodollars: BigInt(row.old_sum ?? '0'),
          newTotalPicodollars: BigInt(row.new_sum ?? '0'),
        }));
      } finally {
        await this.connection.run(`DROP TABLE IF EXISTS ${rates}`);
      }
    });
  }
}
