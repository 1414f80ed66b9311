import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { picodollarsOfUsd } from '../../core/kpi/unit-ratios.js';
import { openDuckdbDatabase, type DuckdbDatabase } from './duckdb-database.js';

/**
 * A throwaway DuckDB store for report tests, filled with plain INSERTs so that report tests do not depend
 * on the ingest path. Costs are given in dollars per call and stored exactly, as the writer would.
 */

/** One call as a test describes it; everything not given takes a neutral default. */
export interface TestCall {
  id?: string;
  ts: string;
  model?: string;
  provider?: string | null;
  /** The price row the call was billed at; defaults to `price:<model>` when the call has a cost. */
  priceId?: string | null;
  input?: number;
  cacheRead?: number;
  cacheWrite?: number;
  output?: number;
  reasoning?: number;
  /** The call's total cost in dollars; null for an unpriced call. Split as input and output by `outputCostUsd`. */
  costUsd: number | null;
  outputCostUsd?: number;
  cacheReadCostUsd?: number;
  feature?: string | null;
  team?: string | null;
  userTier?: string | null;
  userId?: string | null;
  sessionId?: string | null;
  taskId?: string | null;
  environment?: string | null;
  status?: 'ok' | 'error' | 'timeout' | 'cancelled';
  responseCache?: 'hit' | 'miss' | null;
}

/** A test store and the helpers that fill it. */
export interface TestReportStore {
  database: DuckdbDatabase;
  /** The store file, for opening it again (as the CLI does) once closed. */
  path: string;
  /** The temporary directory holding it; a test may put a config file beside it. */
  directory: string;
  /** Closes the file and keeps it, so that another connection can open it. */
  close(): void;
  addCalls(calls: TestCall[]): Promise<void>;
  addOutcome(taskId: string, outcome: 'success' | 'failure', ts: string): Promise<void>;
  addRevenue(userId: string, amountUsd: number, ts: string, options?: { feature?: string; userTier?: string }): Promise<void>;
  /** A price row, in $ per million tokens, so that tier classification sees the model's price. */
  addPrice(priceId: string, provider: string, model: string, inputUsdPerMillion: number, outputUsdPerMillion: number): Promise<void>;
  dispose(): void;
}

let sequence = 0;

/** Creates an empty store in a temporary directory. */
export async function createTestReportStore(): Promise<TestReportStore> {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-report-'));
  const path = join(directory, 'store.duckdb');
  const database = await openDuckdbDatabase(path, { threads: 1 });
  const connection = database.connection;
  let open = true;
  return {
    database,
    path,
    directory,
    close() {
      if (open) database.close();
      open = false;
    },
    async addCalls(calls) {
      for (const call of calls) {
        sequence += 1;
        const total = call.costUsd === null ? null : picodollarsOfUsd(call.costUsd);
        const output = call.costUsd === null ? null : picodollarsOfUsd(call.outputCostUsd ?? 0);
        const cacheRead = call.costUsd === null ? null : picodollarsOfUsd(call.cacheReadCostUsd ?? 0);
        const input = total === null ? null : total - (output ?? 0n) - (cacheRead ?? 0n);
        const model = call.model ?? 'test-model';
        const priceId = call.priceId !== undefined ? call.priceId : total === null ? null : `price:${model}`;
        await connection.run(
          `INSERT INTO usage_events (id, content_hash, ts, provider, model, priced_provider, priced_model, price_id, unpriced_reason,
             input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, input_audio_tokens, output_audio_tokens,
             cost_input, cost_cache_read, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio, cost_request, cost_total,
             feature, team, user_tier, user_id, session_id, task_id, environment, status, response_cache)
           VALUES ($id, 'hash', $ts::TIMESTAMP, $provider, $model, $provider, CASE WHEN $priced THEN $model END, $price_id, CASE WHEN NOT $priced THEN 'unknown model' END,
             $input, $cache_read, $cache_write, 0, $output, $reasoning, 0, 0,
             $cost_input::BIGINT, $cost_cache_read::BIGINT, 0, 0, $cost_output::BIGINT, 0, 0, 0, $cost_total::BIGINT,
             $feature, $team, $user_tier, $user_id, $session_id, $task_id, $environment, $status, $response_cache)`,
          {
            id: call.id ?? `call-${sequence}`,
            ts: call.ts,
            provider: call.provider === undefined ? 'test' : call.provider,
            model,
            priced: total !== null,
            price_id: priceId,
            input: call.input ?? 0,
            cache_read: call.cacheRead ?? 0,
            cache_write: call.cacheWrite ?? 0,
            output: call.output ?? 0,
            reasoning: call.reasoning ?? 0,
            cost_input: input === null ? null : input.toString(),
            cost_cache_read: cacheRead === null ? null : cacheRead.toString(),
            cost_output: output === null ? null : output.toString(),
            cost_total: total === null ? null : total.toString(),
            feature: call.feature === undefined ? 'chat' : call.feature,
            team: call.team ?? null,
            user_tier: call.userTier ?? null,
            user_id: call.userId ?? null,
            session_id: call.sessionId ?? null,
            task_id: call.taskId ?? null,
            environment: call.environment ?? null,
            status: call.status ?? 'ok',
            response_cache: call.responseCache ?? null,
          },
        );
      }
    },
    async addOutcome(taskId, outcome, ts) {
      await connection.run(`INSERT INTO task_outcomes (task_id, outcome, ts, content_hash) VALUES ($task, $outcome, $ts::TIMESTAMP, 'hash')`, { task: taskId, outcome, ts });
    },
    async addRevenue(userId, amountUsd, ts, options = {}) {
      sequence += 1;
      await connection.run(
        `INSERT INTO revenue (id, user_id, amount_picodollars, ts, feature, user_tier, content_hash) VALUES ($id, $user, $amount::HUGEINT, $ts::TIMESTAMP, $feature, $tier, 'hash')`,
        { id: `revenue-${sequence}`, user: userId, amount: picodollarsOfUsd(amountUsd).toString(), ts, feature: options.feature ?? null, tier: options.userTier ?? null },
      );
    },
    async addPrice(priceId, provider, model, inputUsdPerMillion, outputUsdPerMillion) {
      await connection.run(
        `INSERT INTO prices VALUES ($id, $provider, $model, 'test', $input, 0, 0, 0, $output, 0, 0, 0, 0, '[]')`,
        { id: priceId, provider, model, input: Math.round(inputUsdPerMillion * 1_000_000), output: Math.round(outputUsdPerMillion * 1_000_000) },
      );
    },
    dispose() {
      if (open) database.close();
      open = false;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
