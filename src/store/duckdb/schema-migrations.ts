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
];
