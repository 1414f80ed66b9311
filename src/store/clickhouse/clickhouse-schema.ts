import { UnitcostError } from '../../core/unitcost-error.js';
import type { ClickhouseConnection } from './clickhouse-connection.js';

/*
 * The ClickHouse schema, as numbered migrations like DuckDB's (never edit one that has shipped: add the
 * next). It runs on Debian's ClickHouse 18.16 and on current releases, so it avoids what 18.16 lacks
 * (docs/clickhouse.md): DateTime64 (timestamps are Int64 microseconds, with a materialized day), Int128
 * (amounts that can pass 2^63 are Decimal128 with scale 0), LowCardinality and nullable sort keys.
 *
 * Idempotency: the writer refuses a stored id before inserting (record_keys), and every table is a
 * ReplacingMergeTree whose sort key ends with the record's id, so that a record two writers raced to
 * insert collapses to one row; reads use FINAL, which collapses them before background merges have.
 * Repricing inserts a call again with a higher version, which FINAL (and later merges) keep.
 */

export const clickhouseMigrations: ReadonlyArray<{ version: number; description: string; statements: string[] }> = [
  {
    version: 1,
    description: 'usage events, prices, task outcomes, revenue and record keys',
    statements: [
      `CREATE TABLE prices (
        price_id String,
        provider String,
        model String,
        sources String,
        input_rate Int64,
        cache_read_rate Int64,
        cache_write_5m_rate Int64,
        cache_write_1h_rate Int64,
        output_rate Int64,
        reasoning_rate Int64,
        input_audio_rate Int64,
        output_audio_rate Int64,
        request_fee Int64,
        tiers String,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY price_id`,
      // Partitioned by month (what retention drops and what a month's report reads); sorted by the report
      // filters first, so that a feature's or team's rows are read alone, then by day and id.
      `CREATE TABLE usage_events (
        id String,
        content_hash String,
        ts_us Int64,
        day Date MATERIALIZED toDate(toDateTime(intDiv(ts_us, 1000000)), 'UTC'),
        provider Nullable(String),
        model String,
        priced_provider Nullable(String),
        priced_model Nullable(String),
        price_id Nullable(String),
        unpriced_reason Nullable(String),
        input_tokens Int64,
        cache_read_tokens Int64,
        cache_write_5m_tokens Int64,
        cache_write_1h_tokens Int64,
        output_tokens Int64,
        reasoning_tokens Int64,
        input_audio_tokens Int64,
        output_audio_tokens Int64,
        web_search_requests Int64,
        cost_input Nullable(Int64),
        cost_cache_read Nullable(Int64),
        cost_cache_write_5m Nullable(Int64),
        cost_cache_write_1h Nullable(Int64),
        cost_output Nullable(Int64),
        cost_reasoning Nullable(Int64),
        cost_audio Nullable(Int64),
        cost_request Nullable(Int64),
        cost_web_search Nullable(Int64),
        cost_total Nullable(Int64),
        feature Nullable(String),
        team Nullable(String),
        user_tier Nullable(String),
        user_id Nullable(String),
        session_id Nullable(String),
        task_id Nullable(String),
        step Nullable(Int32),
        environment Nullable(String),
        attributes Nullable(String),
        status String,
        retry_of Nullable(String),
        latency_ms Nullable(Float64),
        time_to_first_token_ms Nullable(Float64),
        response_cache Nullable(String),
        reported_cost_usd Nullable(Float64),
        source Nullable(String),
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      PARTITION BY toYYYYMM(day)
      ORDER BY (ifNull(feature, ''), ifNull(team, ''), ifNull(user_tier, ''), model, day, id)`,
      `CREATE TABLE task_outcomes (
        task_id String,
        outcome String,
        ts_us Int64,
        day Date MATERIALIZED toDate(toDateTime(intDiv(ts_us, 1000000)), 'UTC'),
        feature Nullable(String),
        content_hash String,
        source Nullable(String)
      ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(day) ORDER BY (day, task_id)`,
      `CREATE TABLE revenue (
        id String,
        user_id String,
        amount_picodollars Decimal128(0),
        ts_us Int64,
        day Date MATERIALIZED toDate(toDateTime(intDiv(ts_us, 1000000)), 'UTC'),
        feature Nullable(String),
        user_tier Nullable(String),
        content_hash String,
        source Nullable(String)
      ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(day) ORDER BY (day, id)`,
      // Every stored record's kind, id and content hash, sorted by (kind, id): the writer finds a stored id
      // through the primary index, at any timestamp, without scanning the events.
      `CREATE TABLE record_keys (
        kind String,
        id String,
        content_hash String
      ) ENGINE = ReplacingMergeTree() ORDER BY (kind, id)`,
    ],
  },
  {
    version: 2,
    description: 'chargeback statements, alert incidents, mutes and outbox, and API keys',
    // The tables of DuckDB's migrations 2, 4 and 5. Instants are Int64 milliseconds since the epoch (18.16 has
    // no DateTime64). With no transactions and no UPDATE, a change is a newer row version under the same key
    // (ReplacingMergeTree(version), read with FINAL), and a removal a version marked deleted or withdrawn.
    statements: [
      // A closed period, frozen: written after its lines, so that the header is what makes them visible
      // (clickhouse-statement-ledger.ts). withdrawn marks a statement that lost a race to an overlapping one.
      `CREATE TABLE statements (
        statement_id String,
        period String,
        period_start Int64,
        period_end Int64,
        group_by String,
        allocation String,
        fingerprint String,
        calls Int64,
        unpriced_calls Int64,
        revenue_tracked UInt8,
        total_picodollars Decimal128(0),
        closed_at Int64,
        withdrawn UInt8,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY statement_id`,
      // Keyed by the closing that wrote them (closed_at): lines of a close that crashed before its header never
      // mix with those of the close that succeeded, whatever their number.
      `CREATE TABLE statement_lines (
        statement_id String,
        closed_at Int64,
        line Int32,
        kind String,
        group_value String,
        adjusts_statement_id Nullable(String),
        adjusts_period Nullable(String),
        calls Int64,
        direct_picodollars Decimal128(0),
        shared_picodollars Decimal128(0),
        total_picodollars Decimal128(0),
        revenue_picodollars Nullable(Decimal128(0))
      ) ENGINE = ReplacingMergeTree() ORDER BY (statement_id, closed_at, line)`,
      `CREATE TABLE alert_incidents (
        incident_id String,
        alert_key String,
        status String,
        rule String,
        severity String,
        alert_json String,
        opened_at Int64,
        last_seen_at Int64,
        resolved_at Nullable(Int64),
        evaluations Int32,
        missed_evaluations Int32,
        acknowledged_at Nullable(Int64),
        acknowledged_by Nullable(String),
        muted UInt8,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY incident_id`,
      `CREATE TABLE alert_mutes (
        mute_id String,
        rule Nullable(String),
        scope_json Nullable(String),
        until Int64,
        reason Nullable(String),
        created_at Int64,
        created_by Nullable(String),
        deleted UInt8,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY mute_id`,
      // One row per webhook, incident and event, as DuckDB's primary key: the key is what makes it one notification.
      `CREATE TABLE alert_outbox (
        webhook String,
        incident_id String,
        event String,
        body String,
        created_at Int64,
        attempts Int32,
        next_attempt_at Nullable(Int64),
        delivered_at Nullable(Int64),
        last_error Nullable(String),
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY (webhook, incident_id, event)`,
      // Only the hash of a key is kept: whoever reads the database cannot call the API with it.
      `CREATE TABLE api_keys (
        key_id String,
        name String,
        scope String,
        key_hash String,
        created_at Int64,
        revoked_at Nullable(Int64),
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY key_id`,
    ],
  },
  {
    version: 3,
    description: 'report summaries per day and the log of changed days',
    // What KPIs and reports by feature, team, tier, model, provider or environment read instead of the events
    // (src/store/sql/report-summary-queries.ts says what each holds; clickhouse-report-summaries.ts how they are
    // kept). Derived data: a day missing from them is recomputed from usage_events FINAL, so a later shape is a
    // migration that drops and recreates them. Partitioned by month, so that a refresh swaps a month whole
    // (REPLACE PARTITION) with its changed days recomputed and the others copied; report_task_daily, rebuilt
    // whole, has one partition. (Partitions by day swapped single days, but reading ~90 parts per table made
    // every report query several times slower on 18.16: measured.)
    statements: [
      // Every writer (ingest, reprice, store copy) adds the days it changed, after the rows themselves; outcomes add a row of their own kind.
      `CREATE TABLE report_changes (kind String, day Date, at DateTime DEFAULT now()) ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (kind, day)`,
      // Per summarized day: the event rows it had (counted without FINAL) when it was summarized.
      `CREATE TABLE report_days (day Date, raw_rows UInt64, refreshed_at Int64) ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY day`,
      `CREATE TABLE report_daily (
        day Date, feature Nullable(String), team Nullable(String), user_tier Nullable(String), model Nullable(String), provider Nullable(String), environment Nullable(String), price_id Nullable(String),
        calls Int64, priced_calls Int64, unpriced_calls Int64, failed_calls Int64,
        input_tokens Int64, cache_read_tokens Int64, cache_write_5m_tokens Int64, cache_write_1h_tokens Int64,
        output_tokens Int64, reasoning_tokens Int64, input_audio_tokens Int64, output_audio_tokens Int64,
        unpriced_input_tokens Int64, unpriced_output_tokens Int64,
        cost_input Decimal128(0), cost_cache_read Decimal128(0), cost_cache_write_5m Decimal128(0), cost_cache_write_1h Decimal128(0),
        cost_output Decimal128(0), cost_reasoning Decimal128(0), cost_audio Decimal128(0), cost_request Decimal128(0), cost_total Decimal128(0),
        response_cache_hits Int64, response_cache_lookups Int64,
        refreshed_at Int64
      ) ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY day`,
      `CREATE TABLE report_user_daily (day Date, feature Nullable(String), team Nullable(String), user_tier Nullable(String), model Nullable(String), provider Nullable(String), environment Nullable(String), price_id Nullable(String), user_id String, calls Int64, requests Int64, cost Decimal128(0), refreshed_at Int64)
        ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (day, user_id)`,
      // report_user_daily summed per month: what revenue attribution and distinct users read.
      `CREATE TABLE report_user_monthly (month Date, feature Nullable(String), team Nullable(String), user_tier Nullable(String), model Nullable(String), provider Nullable(String), environment Nullable(String), price_id Nullable(String), user_id String, calls Int64, requests Int64, cost Decimal128(0), last_day Date, active_days Int64, refreshed_at Int64)
        ENGINE = MergeTree() PARTITION BY toYYYYMM(month) ORDER BY (month, user_id)`,
      `CREATE TABLE report_task_firsts (day Date, task_id String, first_us Int64, feature Nullable(String), team Nullable(String), user_tier Nullable(String), model Nullable(String), provider Nullable(String), environment Nullable(String), price_id Nullable(String), user_id Nullable(String), session_id Nullable(String), refreshed_at Int64)
        ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (day, task_id)`,
      `CREATE TABLE report_task_daily (day Date, feature Nullable(String), team Nullable(String), user_tier Nullable(String), model Nullable(String), provider Nullable(String), environment Nullable(String), price_id Nullable(String), tasks Int64, successful_tasks Int64, failed_tasks Int64, refreshed_at Int64)
        ENGINE = MergeTree() PARTITION BY tuple() ORDER BY day`,
    ],
  },
  {
    version: 4,
    description: 'report summaries: each task with its first call and how it ended',
    // What lets a refresh recompute only the tasks whose first call or outcome can have changed, and re-sum
    // report_task_daily from these rows, rather than find every task's first call again
    // (clickhouse-report-summaries.ts). Swapped whole (one partition), like report_task_daily. Empty after this
    // migration on a store summarized before it: the next refresh builds it from report_task_firsts.
    statements: [
      `CREATE TABLE report_tasks (task_id String, day Date, feature Nullable(String), team Nullable(String), user_tier Nullable(String), model Nullable(String), provider Nullable(String), environment Nullable(String), price_id Nullable(String), successful UInt8, failed UInt8, refreshed_at Int64)
        ENGINE = MergeTree() PARTITION BY tuple() ORDER BY task_id`,
    ],
  },
];

/** The newest schema this build knows. */
export const latestClickhouseVersion = Math.max(...clickhouseMigrations.map((migration) => migration.version));

/**
 * Brings the database's schema up to date. A database migrated by a newer unitcost is refused: this
 * build would misread tables it does not know.
 */
export async function migrateClickhouse(connection: ClickhouseConnection): Promise<void> {
  await connection.run("CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, description String, applied_at DateTime('UTC')) ENGINE = MergeTree() ORDER BY version");
  const applied = await connection.rows<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  const versions = new Set(applied.map((row) => Number(row.version)));
  const newest = Math.max(0, ...versions);
  if (newest > latestClickhouseVersion) {
    throw new UnitcostError(
      'invalid_config',
      `the ClickHouse database ${connection.settings.database} at ${connection.settings.url} has schema version ${newest}, written by a newer unitcost; this one knows up to ${latestClickhouseVersion}: upgrade unitcost, or point store.clickhouse.database at another database`,
      { field: 'store.clickhouse.database' },
    );
  }
  for (const migration of clickhouseMigrations) {
    if (versions.has(migration.version)) continue;
    // ClickHouse has no transactions: each statement is idempotent (IF NOT EXISTS), so a migration
    // interrupted half-way is finished by the next open before it is recorded.
    for (const statement of migration.statements) await connection.run(statement.replace(/^CREATE TABLE /, 'CREATE TABLE IF NOT EXISTS '));
    await connection.insert('schema_migrations', ['version', 'description', 'applied_at'], [[migration.version, migration.description, new Date()]]);
  }
}
