import { recordKeysMigration } from './duckdb-record-keys.js';

/**
 * The DuckDB schema, as numbered migrations applied in order and recorded in schema_migrations.
 * Never edit a migration that has shipped: add the next one.
 */
export const schemaMigrations: ReadonlyArray<{ version: number; description: string; statements: string[] }> = [
  {
    version: 1,
    description: 'usage events, prices, task outcomes and revenue',
    statements: [
      `CREATE TABLE prices (
        price_id VARCHAR PRIMARY KEY,
        provider VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        sources VARCHAR NOT NULL,
        input_rate BIGINT NOT NULL,
        cache_read_rate BIGINT NOT NULL,
        cache_write_5m_rate BIGINT NOT NULL,
        cache_write_1h_rate BIGINT NOT NULL,
        output_rate BIGINT NOT NULL,
        reasoning_rate BIGINT NOT NULL,
        input_audio_rate BIGINT NOT NULL,
        output_audio_rate BIGINT NOT NULL,
        request_fee BIGINT NOT NULL,
        tiers VARCHAR NOT NULL
      )`,
      `CREATE TABLE usage_events (
        id VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        provider VARCHAR,
        model VARCHAR NOT NULL,
        priced_provider VARCHAR,
        priced_model VARCHAR,
        price_id VARCHAR,
        unpriced_reason VARCHAR,
        input_tokens BIGINT NOT NULL,
        cache_read_tokens BIGINT NOT NULL,
        cache_write_5m_tokens BIGINT NOT NULL,
        cache_write_1h_tokens BIGINT NOT NULL,
        output_tokens BIGINT NOT NULL,
        reasoning_tokens BIGINT NOT NULL,
        input_audio_tokens BIGINT NOT NULL,
        output_audio_tokens BIGINT NOT NULL,
        cost_input BIGINT,
        cost_cache_read BIGINT,
        cost_cache_write_5m BIGINT,
        cost_cache_write_1h BIGINT,
        cost_output BIGINT,
        cost_reasoning BIGINT,
        cost_audio BIGINT,
        cost_request BIGINT,
        cost_total BIGINT,
        feature VARCHAR,
        team VARCHAR,
        user_tier VARCHAR,
        user_id VARCHAR,
        session_id VARCHAR,
        task_id VARCHAR,
        step INTEGER,
        environment VARCHAR,
        attributes VARCHAR,
        status VARCHAR NOT NULL,
        retry_of VARCHAR,
        latency_ms DOUBLE,
        time_to_first_token_ms DOUBLE,
        response_cache VARCHAR,
        reported_cost_usd DOUBLE,
        source VARCHAR
      )`,
      `CREATE TABLE task_outcomes (
        task_id VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        feature VARCHAR,
        content_hash VARCHAR NOT NULL,
        source VARCHAR
      )`,
      `CREATE TABLE revenue (
        id VARCHAR NOT NULL,
        user_id VARCHAR NOT NULL,
        amount_picodollars HUGEINT NOT NULL,
        ts TIMESTAMP NOT NULL,
        feature VARCHAR,
        user_tier VARCHAR,
        content_hash VARCHAR NOT NULL,
        source VARCHAR
      )`,
    ],
  },
  {
    version: 2,
    description: 'API keys of unitcost serve, stored as SHA-256 hashes',
    statements: [
      // Only the hash of a key is kept: whoever reads the file cannot call the API with it.
      `CREATE TABLE api_keys (
        key_id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        scope VARCHAR NOT NULL,
        key_hash VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
      )`,
    ],
  },
  {
    version: 3,
    description: 'record keys, to find an id reused with a timestamp far from its stored record',
    statements: recordKeysMigration,
  },
  {
    version: 4,
    description: 'chargeback statements: closed periods and their frozen lines',
    statements: [
      // A closed period is frozen here, never recomputed: a later repricing or late event shows up as an
      // adjustment line on the next statement (docs/statements.md). Periods are half-open [start, end).
      `CREATE TABLE statements (
        statement_id VARCHAR PRIMARY KEY,
        period VARCHAR NOT NULL,
        period_start TIMESTAMP NOT NULL,
        period_end TIMESTAMP NOT NULL,
        group_by VARCHAR NOT NULL,
        allocation VARCHAR NOT NULL,
        fingerprint VARCHAR NOT NULL,
        calls BIGINT NOT NULL,
        unpriced_calls BIGINT NOT NULL,
        revenue_tracked BOOLEAN NOT NULL,
        total_picodollars HUGEINT NOT NULL,
        closed_at TIMESTAMP NOT NULL
      )`,
      // kind 'group': one group's direct and allocated shared cost for the statement's period; 'shared': a source of
      // the shared cost (group_value '' for calls without the tag); 'adjustment': live minus frozen of an earlier
      // closed period (adjusts_statement_id) for one group.
      `CREATE TABLE statement_lines (
        statement_id VARCHAR NOT NULL,
        line INTEGER NOT NULL,
        kind VARCHAR NOT NULL,
        group_value VARCHAR NOT NULL,
        adjusts_statement_id VARCHAR,
        adjusts_period VARCHAR,
        calls BIGINT NOT NULL,
        direct_picodollars HUGEINT NOT NULL,
        shared_picodollars HUGEINT NOT NULL,
        total_picodollars HUGEINT NOT NULL,
        revenue_picodollars HUGEINT,
        PRIMARY KEY (statement_id, line)
      )`,
    ],
  },
  {
    version: 5,
    description: 'alert incidents, mutes and the webhook outbox',
    statements: [
      // One row per incident (an episode of one alert key); alert_json is the alert as last seen, picodollars as strings.
      `CREATE TABLE alert_incidents (
        incident_id VARCHAR PRIMARY KEY,
        alert_key VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        rule VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        alert_json VARCHAR NOT NULL,
        opened_at TIMESTAMP NOT NULL,
        last_seen_at TIMESTAMP NOT NULL,
        resolved_at TIMESTAMP,
        evaluations INTEGER NOT NULL,
        missed_evaluations INTEGER NOT NULL,
        acknowledged_at TIMESTAMP,
        acknowledged_by VARCHAR,
        muted BOOLEAN NOT NULL
      )`,
      `CREATE TABLE alert_mutes (
        mute_id VARCHAR PRIMARY KEY,
        rule VARCHAR,
        scope_json VARCHAR,
        until TIMESTAMP NOT NULL,
        reason VARCHAR,
        created_at TIMESTAMP NOT NULL,
        created_by VARCHAR
      )`,
      // The webhook outbox: a notification is written in the same transaction as its incident, so a crash or a
      // restart loses none; the body is fixed when queued, so every attempt sends the same bytes. One row per
      // webhook, incident and event: the primary key is what makes it one notification per incident.
      `CREATE TABLE alert_outbox (
        webhook VARCHAR NOT NULL,
        incident_id VARCHAR NOT NULL,
        event VARCHAR NOT NULL,
        body VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TIMESTAMP,
        delivered_at TIMESTAMP,
        last_error VARCHAR,
        PRIMARY KEY (webhook, incident_id, event)
      )`,
    ],
  },
  {
    version: 6,
    description: 'web searches: their count and cost per call',
    statements: [
      // Calls stored before searches were counted ran none that unitcost knows of: 0 searches, and a cost of 0
      // for the priced ones (null for the unpriced, like every other cost column), so cost_total stays their sum.
      'ALTER TABLE usage_events ADD COLUMN web_search_requests INTEGER DEFAULT 0',
      'ALTER TABLE usage_events ALTER COLUMN web_search_requests SET NOT NULL',
      'ALTER TABLE usage_events ADD COLUMN cost_web_search BIGINT',
      'UPDATE usage_events SET cost_web_search = 0 WHERE cost_total IS NOT NULL',
      // The price per search is not added to prices: a price id already differs when its search price does
      // (price-row-for.ts), and a new column there would break every INSERT INTO prices VALUES (…) written for 14.
    ],
  },
];
