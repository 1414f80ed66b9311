import type { TimeRange } from '../event-writer.js';
import type { FeatureTrafficProfile } from '../simulation-replayer.js';
import type { SqlRows } from './simulate-replay-groups.js';
import { eventsInRange } from './event-range.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * What `unitcost optimize` measures per feature, written once for every backend: three small groupings of the
 * range's calls — calls per (feature, provider, model), the sizes of the successful calls, calls per session —
 * joined per feature here. Picking each feature's most used model is done in JavaScript over the first (a row
 * per feature and model): ClickHouse 18.16 has no window function to number them.
 */

/** Per feature of a range: its most used model, median input, 90th percentile output, 95th percentile calls per session. */
export async function featureProfiles(rows: SqlRows, range: TimeRange, dialect: SqlDialect): Promise<FeatureTrafficProfile[]> {
  const calls = `${dialect.table('usage_events', 'e')} WHERE ${eventsInRange(dialect, 'e', range)} AND e.feature IS NOT NULL`;
  const models = await rows(`SELECT e.feature AS feature, e.provider AS provider, e.model AS model, count(*) AS model_calls FROM ${calls} GROUP BY e.feature, e.provider, e.model`);
  const sizes = await rows(`SELECT e.feature AS feature, ${dialect.discreteQuantile('e.input_tokens', 0.5)} AS median_input,
      ${dialect.discreteQuantile('e.output_tokens - e.output_audio_tokens', 0.9)} AS p90_output
    FROM ${calls} AND e.status = 'ok' GROUP BY e.feature`);
  const sessions = await rows(`SELECT feature, ${dialect.discreteQuantile('session_calls', 0.95)} AS p95
    FROM (SELECT e.feature AS feature, count(*) AS session_calls FROM ${calls} AND coalesce(e.session_id, e.task_id) IS NOT NULL
          GROUP BY e.feature, coalesce(e.session_id, e.task_id)) AS per_session
    GROUP BY feature`);
  // The most calls, then the first model by name (then provider, so that the pick does not depend on row order).
  const top = new Map<string, { provider: string | null; model: string; calls: bigint }>();
  for (const row of models) {
    const candidate = { provider: (row.provider as string | null) ?? null, model: String(row.model), calls: BigInt(String(row.model_calls)) };
    const best = top.get(String(row.feature));
    const better =
      !best ||
      candidate.calls > best.calls ||
      (candidate.calls === best.calls && (candidate.model < best.model || (candidate.model === best.model && (candidate.provider ?? '') < (best.provider ?? ''))));
    if (better) top.set(String(row.feature), candidate);
  }
  const sizeOf = new Map(sizes.map((row) => [String(row.feature), row]));
  const sessionOf = new Map(sessions.map((row) => [String(row.feature), row]));
  return [...top.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([feature, model]) => {
      const size = sizeOf.get(feature);
      const p95 = sessionOf.get(feature)?.p95;
      return {
        feature,
        provider: model.provider,
        model: model.model,
        medianInputTokens: Number(size?.median_input ?? 0),
        p90OutputTokens: Number(size?.p90_output ?? 0),
        p95SessionCalls: p95 === null || p95 === undefined ? null : Number(p95),
      };
    });
}
