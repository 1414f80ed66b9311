import type { StoredOutcomeRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { StagedLayout, StagedTable, stagingCatalog } from './duckdb-staging.js';
import { outcomeColumns, revenueColumns, usageColumns, usageStagedColumns } from './duckdb-staged-columns.js';

/*
 * How each kind of record is staged (see duckdb-staging.ts) and copied into its stored table.
 */

/** The SQL (over alias s) of a staged row's source, "file:line". */
const sourceExpression = `CASE WHEN s.source_line IS NULL THEN dictionary.v[s.source_file] ELSE dictionary.v[s.source_file] || ':' || CAST(s.source_line AS BIGINT) END`;

export const usageLayout = new StagedLayout<StoredUsageRow>(usageStagedColumns);
export const outcomeLayout = new StagedLayout<StoredOutcomeRow>(outcomeColumns);
export const revenueLayout = new StagedLayout<StoredRevenueRow>(revenueColumns);

const timestampOf = (staged: string): string => `epoch_ms(CAST(${staged} AS BIGINT))`;

/** One kind of record's staged table and how it reaches its stored table. */
export interface StagedKindSql<Row> {
  staged: StagedTable<Row>;
  /** The stored table and the staged and stored columns that identify a record. */
  table: string;
  stagedKey: string;
  storedKey: string;
  /** The INSERT … SELECT that copies every staged row. */
  insertSql: string;
}

/** A set of staged tables (usage, outcomes, revenue and their shared dictionary) that one open batch fills. */
export interface StagingSet {
  /** The set's number, which suffixes its tables' names. */
  number: number;
  usage: StagedKindSql<StoredUsageRow>;
  outcomes: StagedKindSql<StoredOutcomeRow>;
  revenue: StagedKindSql<StoredRevenueRow>;
  /** The dictionary table's name, unqualified (for the appender) and qualified (for SQL). */
  dictionaryTable: string;
  dictionaryName: string;
  /** SQL that creates every table of the set, and SQL that empties them (by replacing them). */
  createSql: string[];
  clearSql: string[];
}

/** The tables and statements of staging set number n. */
export function stagingSet(n: number): StagingSet {
  const dictionaryTable = `dictionary_${n}`;
  const dictionaryName = `${stagingCatalog}.main.${dictionaryTable}`;
  const dictionaryJoin = `CROSS JOIN (SELECT list(value ORDER BY code) AS v FROM ${dictionaryName}) dictionary`;
  const usage = new StagedTable(usageLayout, `usage_${n}`);
  const outcomes = new StagedTable(outcomeLayout, `outcomes_${n}`);
  const revenue = new StagedTable(revenueLayout, `revenue_${n}`);
  const usageSelect = usageColumns.map(([column, staged, sqlType]) => {
    if (column === 'ts') return timestampOf('s.ts_ms');
    const expression = usageLayout.expression(staged.name);
    return sqlType ? `CAST(${expression} AS ${sqlType})` : expression;
  });
  return {
    number: n,
    usage: {
      staged: usage,
      table: 'usage_events',
      stagedKey: 'id',
      storedKey: 'id',
      insertSql: `INSERT INTO usage_events (${usageColumns.map(([column]) => column).join(', ')}, source)
        SELECT ${usageSelect.join(', ')}, ${sourceExpression} FROM ${usage.name} s ${dictionaryJoin}`,
    },
    outcomes: {
      staged: outcomes,
      table: 'task_outcomes',
      stagedKey: 'task_id',
      storedKey: 'task_id',
      insertSql: `INSERT INTO task_outcomes (task_id, outcome, ts, feature, content_hash, source)
        SELECT s.task_id, ${outcomeLayout.expression('outcome')}, ${timestampOf('s.ts_ms')}, ${outcomeLayout.expression('feature')}, s.content_hash, ${sourceExpression}
        FROM ${outcomes.name} s ${dictionaryJoin}`,
    },
    revenue: {
      staged: revenue,
      table: 'revenue',
      stagedKey: 'id',
      storedKey: 'id',
      insertSql: `INSERT INTO revenue (id, user_id, amount_picodollars, ts, feature, user_tier, content_hash, source)
        SELECT s.id, ${revenueLayout.expression('user_id')}, CAST(s.amount AS HUGEINT), ${timestampOf('s.ts_ms')}, ${revenueLayout.expression('feature')},
          ${revenueLayout.expression('user_tier')}, s.content_hash, ${sourceExpression}
        FROM ${revenue.name} s ${dictionaryJoin}`,
    },
    dictionaryTable,
    dictionaryName,
    createSql: [usage.createSql(), outcomes.createSql(), revenue.createSql(), `CREATE OR REPLACE TABLE ${dictionaryName} (code INTEGER, value VARCHAR)`],
    // Replaced rather than emptied: DELETE in an in-memory database frees nothing, so the staged
    // tables grew by a batch every batch (RSS 750 MB at 200k events, 970 MB at 1M before this).
    clearSql: [
      usage.createSql(),
      outcomes.createSql(),
      revenue.createSql(),
      `CREATE OR REPLACE TABLE ${dictionaryName} (code INTEGER, value VARCHAR)`,
    ],
  };
}
