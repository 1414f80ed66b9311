import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Synthetic usage for the report benchmark, generated inside DuckDB (INSERT … SELECT FROM range(n)), since
 * going through ingest would time the writer, not the reports. Every random draw is a hash of the row
 * number and the seed, so a seed gives the same store on every machine and thread count.
 *
 * The traffic: calls come in tasks of four steps, each task from one user and one feature:
 *   support-faq  45%  gpt-4.1-mini (90%) / claude-haiku-4-5; a 2,400-token cached system prompt; 20% answered by the response cache
 *   coding-agent 15%  claude-sonnet-4-5 (80%) / claude-opus-4-1 / gpt-5; context grows 4,000 tokens a step, cached
 *   summarizer   20%  gpt-4.1-mini / gemini-2.5-flash; long, skewed inputs
 *   classifier   18%  gpt-4.1-nano; tiny outputs
 *   experiments   2%  internal-llama-70b, which no catalog prices (unpriced)
 * Users are heavy-tailed (user = users × u^2.5): 5% enterprise, 25% pro, 70% free. 2% of calls error and
 * 0.5% time out; 90% of tasks report an outcome; enterprise users add usage revenue records.
 */

/** $ per million tokens (input, cache read, output) of the benchmark's models; null for the unpriced one. */
export const benchmarkModels: Record<string, { provider: string; prices: [number, number, number] | null }> = {
  'gpt-4.1-mini': { provider: 'openai', prices: [0.4, 0.1, 1.6] },
  'gpt-4.1-nano': { provider: 'openai', prices: [0.1, 0.025, 0.4] },
  'gpt-5': { provider: 'openai', prices: [1.25, 0.125, 10] },
  'gemini-2.5-flash': { provider: 'google', prices: [0.3, 0.075, 2.5] },
  'claude-haiku-4-5': { provider: 'anthropic', prices: [1, 0.1, 5] },
  'claude-sonnet-4-5': { provider: 'anthropic', prices: [3, 0.3, 15] },
  'claude-opus-4-1': { provider: 'anthropic', prices: [15, 1.5, 75] },
  'internal-llama-70b': { provider: 'internal', prices: null },
};

/** The shape of a generated store. */
export interface ReportDataOptions {
  events: number;
  days: number;
  users: number;
  seed: number;
  /** The first day of the data. */
  start: string;
}

const draw = (row: string, stream: number, seed: number): string => `((hash(${row}, ${seed}, ${stream}) % 1000000) / 1000000.0)`;

/** Fills an empty store with `events` usage events, their task outcomes, prices and some revenue records. */
export async function generateReportData(connection: DuckDBConnection, options: ReportDataOptions): Promise<void> {
  const { events, days, users, seed, start } = options;
  const stepMicros = Math.floor((days * 86_400_000_000) / events);
  const priceRows = Object.entries(benchmarkModels).filter(([, model]) => model.prices !== null);
  for (const [model, { provider, prices }] of priceRows) {
    const [input, cacheRead, output] = prices!.map((price) => Math.round(price * 1_000_000));
    await connection.run(`INSERT INTO prices VALUES ($id, $provider, $model, 'benchmark', $input, $cache_read, $input, $input, $output, $output, 0, 0, 0, '[]')`, {
      id: `bench:${model}`,
      provider,
      model,
      input: input!,
      cache_read: cacheRead!,
      output: output!,
    });
  }
  const rates = priceRows
    .map(([model, { prices }]) => `('${model}', ${Math.round(prices![0] * 1e6)}::BIGINT, ${Math.round(prices![1] * 1e6)}::BIGINT, ${Math.round(prices![2] * 1e6)}::BIGINT)`)
    .join(', ');
  const providers = Object.entries(benchmarkModels)
    .map(([model, { provider }]) => `('${model}', '${provider}')`)
    .join(', ');
  const feature = `CASE WHEN f < 0.45 THEN 'support-faq' WHEN f < 0.60 THEN 'coding-agent' WHEN f < 0.80 THEN 'summarizer' WHEN f < 0.98 THEN 'classifier' ELSE 'experiments' END`;
  await connection.run(`
    INSERT INTO usage_events (id, content_hash, ts, provider, model, priced_provider, priced_model, price_id, unpriced_reason,
      input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, input_audio_tokens, output_audio_tokens,
      cost_input, cost_cache_read, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio, cost_request, cost_total,
      feature, team, user_tier, user_id, session_id, task_id, step, environment, attributes,
      status, retry_of, latency_ms, time_to_first_token_ms, response_cache, reported_cost_usd, source)
    WITH rates(model, input_rate, cache_read_rate, output_rate) AS (VALUES ${rates}),
    providers(model, provider) AS (VALUES ${providers}),
    draws AS (
      SELECT i, i // 4 AS task, i % 4 AS step, ${draw('i // 4', 1, seed)} AS f, ${draw('i // 4', 2, seed)} AS u,
        ${draw('i', 3, seed)} AS m, ${draw('i', 4, seed)} AS t, ${draw('i', 5, seed)} AS s, ${draw('i', 6, seed)} AS c
      FROM range(${events}) r(i)
    ),
    featured AS (
      SELECT *, ${feature} AS feature, (pow(u, 2.5) * ${users})::BIGINT AS user_number FROM draws
    ),
    modeled AS (
      SELECT *,
        CASE feature
          WHEN 'support-faq' THEN CASE WHEN m < 0.9 THEN 'gpt-4.1-mini' ELSE 'claude-haiku-4-5' END
          WHEN 'coding-agent' THEN CASE WHEN m < 0.8 THEN 'claude-sonnet-4-5' WHEN m < 0.9 THEN 'claude-opus-4-1' ELSE 'gpt-5' END
          WHEN 'summarizer' THEN CASE WHEN m < 0.6 THEN 'gpt-4.1-mini' ELSE 'gemini-2.5-flash' END
          WHEN 'classifier' THEN 'gpt-4.1-nano'
          ELSE 'internal-llama-70b' END AS model,
        CASE WHEN s < 0.02 THEN 'error' WHEN s < 0.025 THEN 'timeout' ELSE 'ok' END AS status,
        feature = 'support-faq' AND c < 0.2 AS response_hit
      FROM featured
    ),
    tokens AS (
      SELECT *,
        CASE WHEN response_hit THEN 0 ELSE CASE feature
          WHEN 'support-faq' THEN 2500 + (t * 1500)::BIGINT
          WHEN 'coding-agent' THEN 5000 + step * 4000 + (t * 3000)::BIGINT
          WHEN 'summarizer' THEN 2000 + (t * t * 12000)::BIGINT
          WHEN 'classifier' THEN 300 + (t * 200)::BIGINT
          ELSE 1000 + (t * 2000)::BIGINT END END AS input_tokens,
        CASE WHEN response_hit OR status <> 'ok' THEN 0 ELSE CASE feature
          WHEN 'support-faq' THEN 50 + (t * 300)::BIGINT
          WHEN 'coding-agent' THEN 300 + (t * 1200)::BIGINT
          WHEN 'summarizer' THEN 200 + (t * 400)::BIGINT
          WHEN 'classifier' THEN 1 + (t * 9)::BIGINT
          ELSE 100 + (t * 500)::BIGINT END END AS output_tokens
      FROM modeled
    ),
    cached AS (
      SELECT *,
        CASE WHEN response_hit THEN 0
          WHEN feature = 'support-faq' AND c < 0.9 THEN 2400
          WHEN feature = 'coding-agent' AND step > 0 THEN (input_tokens * 0.8)::BIGINT
          ELSE 0 END AS cache_read_tokens,
        CASE WHEN NOT response_hit AND ((feature = 'support-faq' AND c >= 0.9) OR (feature = 'coding-agent' AND step = 0)) THEN least(2400, input_tokens) ELSE 0 END AS cache_write_tokens,
        CASE WHEN model IN ('gpt-5', 'claude-opus-4-1') THEN output_tokens // 3 ELSE 0 END AS reasoning_tokens
      FROM tokens
    ),
    costed AS (
      SELECT cached.*, p.provider, r.input_rate IS NOT NULL AS priced,
        (input_tokens - cache_read_tokens - cache_write_tokens) * r.input_rate AS cost_input,
        cache_read_tokens * r.cache_read_rate AS cost_cache_read,
        cache_write_tokens * r.input_rate AS cost_cache_write,
        (output_tokens - reasoning_tokens) * r.output_rate AS cost_output,
        reasoning_tokens * r.output_rate AS cost_reasoning
      FROM cached LEFT JOIN rates r USING (model) JOIN providers p USING (model)
    )
    SELECT 'b' || i, 'bench', TIMESTAMP '${start}' + to_microseconds(i * ${stepMicros}), provider, model,
      CASE WHEN priced THEN provider END, CASE WHEN priced THEN model END, CASE WHEN priced THEN 'bench:' || model END,
      CASE WHEN NOT priced THEN 'no price for this model' END,
      input_tokens, cache_read_tokens, cache_write_tokens, 0, output_tokens, reasoning_tokens, 0, 0,
      cost_input, cost_cache_read, cost_cache_write, CASE WHEN priced THEN 0 END, cost_output, cost_reasoning, CASE WHEN priced THEN 0 END, CASE WHEN priced THEN 0 END,
      cost_input + cost_cache_read + cost_cache_write + cost_output + cost_reasoning,
      feature,
      CASE feature WHEN 'support-faq' THEN 'support' WHEN 'coding-agent' THEN 'developer-tools' WHEN 'summarizer' THEN 'content' WHEN 'classifier' THEN 'platform' ELSE 'research' END,
      CASE WHEN user_number % 20 = 0 THEN 'enterprise' WHEN user_number % 4 = 1 THEN 'pro' ELSE 'free' END,
      'user-' || user_number, 's-' || user_number || '-' || (i * ${days} // ${events}), 't' || task, step, 'production', NULL,
      status, NULL, 300 + t * 4000, NULL,
      CASE WHEN feature = 'support-faq' THEN CASE WHEN response_hit THEN 'hit' ELSE 'miss' END END,
      NULL, 'bench'
    FROM costed
  `);
  const successRate = `CASE ${feature} WHEN 'support-faq' THEN 0.85 WHEN 'coding-agent' THEN 0.7 WHEN 'summarizer' THEN 0.95 WHEN 'classifier' THEN 0.99 ELSE 0.5 END`;
  await connection.run(`
    INSERT INTO task_outcomes (task_id, outcome, ts, feature, content_hash, source)
    SELECT 't' || task, CASE WHEN ${draw('task', 8, seed)} < ${successRate} THEN 'success' ELSE 'failure' END,
      TIMESTAMP '${start}' + to_microseconds((task * 4 + 3) * ${stepMicros} + 1000000), ${feature}, 'bench', NULL
    FROM (SELECT task, ${draw('task', 1, seed)} AS f FROM range(${Math.floor(events / 4)}) r(task))
    WHERE ${draw('task', 7, seed)} < 0.9
  `);
  const records = Math.max(1, Math.floor(events / 1000));
  await connection.run(`
    INSERT INTO revenue (id, user_id, amount_picodollars, ts, feature, user_tier, content_hash, source)
    SELECT 'r' || k, 'user-' || (20 * (hash(k, ${seed}, 9) % ${Math.max(1, Math.floor(users / 20))})), ((10 + 90 * ${draw('k', 10, seed)}) * 1000000)::BIGINT * 1000000,
      TIMESTAMP '${start}' + to_microseconds(k * ${Math.floor((days * 86_400_000_000) / records)}), NULL, 'enterprise', 'bench', NULL
    FROM range(${records}) r(k)
  `);
}
