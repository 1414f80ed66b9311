import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import type { RecordedProviderDay } from '../store/reconcile-reader.js';

/*
 * OpenAI admin API answers (usage/completions and costs, daily buckets grouped by model and line item)
 * made from what a store recorded, with a known gap: the provider saw `seen.numerator / seen.denominator`
 * of the recorded traffic (21/20: one call in 21 never reached unitcost) and billed it `discountPercent`
 * below list from `discountFrom` on. A reconciliation must find both, to the cent.
 */

export interface OpenaiBillOptions {
  /** The model name the provider reports, e.g. gpt-4.1-2025-04-14 for unitcost's gpt-4.1; default the recorded one. */
  providerModel?: (recordedModel: string) => string;
  seen?: { numerator: bigint; denominator: bigint };
  discountFrom?: string;
  discountPercent?: bigint;
}

/** Usage and cost buckets, keyed by the admin API's paths, as the fake admin API serves them. */
export function openaiAdminBuckets(days: readonly RecordedProviderDay[], options: OpenaiBillOptions = {}): Record<string, unknown[]> {
  const { numerator, denominator } = options.seen ?? { numerator: 21n, denominator: 20n };
  const scale = (value: bigint): bigint => (value * numerator) / denominator;
  const name = options.providerModel ?? ((model: string) => model);
  const byDay = new Map<string, RecordedProviderDay[]>();
  for (const day of days) byDay.set(day.day, [...(byDay.get(day.day) ?? []), day]);
  const bucket = (day: string, results: unknown[]) => ({ object: 'bucket', start_time: Date.parse(`${day}T00:00:00Z`) / 1000, end_time: Date.parse(`${day}T00:00:00Z`) / 1000 + 86_400, results });
  const usage = [...byDay].map(([day, rows]) =>
    bucket(
      day,
      rows.map((row) => ({
        object: 'organization.usage.completions.result',
        input_tokens: Number(scale(row.inputTokens + row.cacheReadTokens)),
        input_cached_tokens: Number(scale(row.cacheReadTokens)),
        output_tokens: Number(scale(row.outputTokens)),
        input_audio_tokens: 0,
        output_audio_tokens: 0,
        num_model_requests: Number(scale(BigInt(row.calls))),
        project_id: null,
        user_id: null,
        api_key_id: null,
        model: name(row.model),
        batch: null,
      })),
    ),
  );
  const costs = [...byDay].map(([day, rows]) =>
    bucket(
      day,
      rows.flatMap((row) =>
        (
          [
            ['input', row.costInput + row.costRequest],
            ['cached input', row.costCacheRead],
            ['output', row.costOutput],
          ] as const
        )
          .filter(([, cost]) => cost !== 0n)
          .map(([what, cost]) => ({ object: 'organization.costs.result', amount: { value: Number(formatPicodollarsExact(openaiBilled(day, cost, options))), currency: 'usd' }, line_item: `${name(row.model)}, ${what}`, project_id: null })),
      ),
    ),
  );
  return { '/v1/organization/usage/completions': usage, '/v1/organization/usage/embeddings': [], '/v1/organization/costs': costs };
}

/** What the provider billed for a recorded day's class, in picodollars: the unseen share on top, the discount off. */
export function openaiBilled(day: string, recordedPicodollars: bigint, options: OpenaiBillOptions = {}): bigint {
  const { numerator, denominator } = options.seen ?? { numerator: 21n, denominator: 20n };
  const all = (recordedPicodollars * numerator) / denominator;
  return options.discountFrom !== undefined && day >= options.discountFrom ? (all * (100n - (options.discountPercent ?? 0n))) / 100n : all;
}

/** The billed dollars of the traffic unitcost never saw (1 in 21 by default), per day and class, in picodollars. */
export function openaiUntrackedPicodollars(days: readonly RecordedProviderDay[], options: OpenaiBillOptions = {}): bigint {
  const { numerator, denominator } = options.seen ?? { numerator: 21n, denominator: 20n };
  const unseen = (billed: bigint): bigint => (billed * (numerator - denominator)) / numerator;
  return days.reduce((sum, row) => sum + [row.costInput + row.costRequest, row.costCacheRead, row.costOutput].reduce((inner, cost) => inner + unseen(openaiBilled(row.day, cost, options)), 0n), 0n);
}
