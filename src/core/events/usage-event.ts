import { z } from 'zod';
import { usageFormats } from '../usage/convert-usage.js';

/** The version of the event format this code reads; events may say `schema_version: 1` or leave it out. */
export const eventSchemaVersion = 1;

// Token counts are whole, non-negative tokens; a fraction means the source summed or averaged something.
const tokenCount = z.number().int('must be a whole number of tokens').nonnegative('must not be negative').max(1e10, 'is implausibly large');
const tag = z.string().min(1, 'must not be empty').max(512, 'is longer than 512 characters');
const milliseconds = z.number().nonnegative('must not be negative').finite();

/** An ISO 8601 timestamp with a date and a time; a zone-less time is read as UTC. */
export const timestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/, 'must be an ISO 8601 timestamp such as 2026-03-01T12:00:00Z')
  .refine((value) => !Number.isNaN(Date.parse(toUtcIso(value))), 'is not a real date and time');

/** The raw usage formats an event may carry instead of token counts. */
export const usageFormatSchema = z.enum(usageFormats);

/** The tags every record may carry, to group costs by feature, team, tier, user, session and task. */
const tagFields = {
  feature: tag.optional(),
  team: tag.optional(),
  user_tier: tag.optional(),
  user_id: tag.optional(),
  session_id: tag.optional(),
  task_id: tag.optional(),
  step: z.number().int('must be a whole number').nonnegative('must not be negative').optional(),
  environment: tag.optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
};

/** One LLM call as sent to unitcost: token counts, or a provider's raw usage object to convert on ingest. */
export const usageEventSchema = z
  .object({
    type: z.literal('usage').optional(),
    schema_version: z.literal(eventSchemaVersion).optional(),
    id: tag.optional(),
    timestamp: timestampSchema,
    provider: tag.optional(),
    model: tag,
    /** Every prompt token, cached or not. */
    input_tokens: tokenCount.optional(),
    cache_read_tokens: tokenCount.optional(),
    /** Every cache write, of any TTL; cache_write_1h_tokens says how many of them were 1-hour writes. */
    cache_write_tokens: tokenCount.optional(),
    cache_write_1h_tokens: tokenCount.optional(),
    /** Every generated token, reasoning included. */
    output_tokens: tokenCount.optional(),
    reasoning_tokens: tokenCount.optional(),
    usage: z.record(z.string(), z.unknown()).optional(),
    usage_format: usageFormatSchema.optional(),
    ...tagFields,
    status: z.enum(['ok', 'error', 'timeout', 'cancelled']).default('ok'),
    retry_of: tag.optional(),
    latency_ms: milliseconds.optional(),
    time_to_first_token_ms: milliseconds.optional(),
    /** Whether a semantic or response cache answered instead of the model. */
    response_cache: z.enum(['hit', 'miss']).optional(),
    /** What the source says the call cost; kept beside unitcost's own cost, never instead of it. */
    cost_usd: z.number().nonnegative().finite().optional(),
  })
  .strict()
  .superRefine((event, context) => {
    const hasCounts = event.input_tokens !== undefined || event.output_tokens !== undefined;
    if (event.usage !== undefined) {
      if (event.usage_format === undefined) context.addIssue({ code: 'custom', path: ['usage_format'], message: 'is required with usage: one of openai-chat, openai-responses, anthropic, gemini' });
      if (hasCounts) context.addIssue({ code: 'custom', path: ['usage'], message: 'give either token counts or a raw usage object, not both' });
      return;
    }
    if (event.usage_format !== undefined) context.addIssue({ code: 'custom', path: ['usage'], message: 'is required with usage_format' });
    if (event.input_tokens === undefined) context.addIssue({ code: 'custom', path: ['input_tokens'], message: 'is required (or a raw usage object with usage_format)' });
    if (event.output_tokens === undefined) context.addIssue({ code: 'custom', path: ['output_tokens'], message: 'is required (or a raw usage object with usage_format)' });
    const input = event.input_tokens ?? 0;
    const cached = (event.cache_read_tokens ?? 0) + (event.cache_write_tokens ?? 0);
    if (cached > input) context.addIssue({ code: 'custom', path: ['cache_read_tokens'], message: `cache reads and writes (${cached}) exceed input_tokens (${input}), which already includes them` });
    if ((event.cache_write_1h_tokens ?? 0) > (event.cache_write_tokens ?? 0)) context.addIssue({ code: 'custom', path: ['cache_write_1h_tokens'], message: 'exceeds cache_write_tokens, which includes the 1-hour writes' });
    if ((event.reasoning_tokens ?? 0) > (event.output_tokens ?? 0)) context.addIssue({ code: 'custom', path: ['reasoning_tokens'], message: 'exceeds output_tokens, which already includes reasoning' });
  });

/** How a task ended: the divisor of cost per successful task. */
export const outcomeRecordSchema = z
  .object({
    type: z.literal('outcome'),
    schema_version: z.literal(eventSchemaVersion).optional(),
    task_id: tag,
    outcome: z.enum(['success', 'failure']),
    timestamp: timestampSchema,
    feature: tag.optional(),
    attributes: tagFields.attributes,
  })
  .strict();

/** Money a user paid for usage-priced products, beside the plans' seat prices. */
export const revenueRecordSchema = z
  .object({
    type: z.literal('revenue'),
    schema_version: z.literal(eventSchemaVersion).optional(),
    id: tag.optional(),
    user_id: tag,
    amount_usd: z.number().finite(),
    timestamp: timestampSchema,
    feature: tag.optional(),
    user_tier: tag.optional(),
    attributes: tagFields.attributes,
  })
  .strict();

/** A usage event as validated. */
export type UsageEvent = z.infer<typeof usageEventSchema>;
/** A task outcome as validated. */
export type OutcomeRecord = z.infer<typeof outcomeRecordSchema>;
/** A revenue record as validated. */
export type RevenueRecord = z.infer<typeof revenueRecordSchema>;
/** Any record of the event stream. */
export type EventRecord = ({ type?: 'usage' } & UsageEvent) | OutcomeRecord | RevenueRecord;

/** Reads a timestamp as UTC when it names no zone, as log lines often do. */
export function toUtcIso(value: string): string {
  const withT = value.replace(' ', 'T');
  return /(Z|[+-]\d{2}:?\d{2})$/.test(withT) ? withT : `${withT}Z`;
}
