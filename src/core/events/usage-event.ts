import { z } from 'zod';
import { parseTimestampMs, timestampPattern } from './parse-timestamp.js';

/** The version of the event format this code reads; events may say `schema_version: 1` or leave it out. */
export const eventSchemaVersion = 1;

const required = (expected: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${expected}`);

// Token counts are whole, non-negative tokens; a fraction means the source summed or averaged something.
const tokenCount = z
  .number({ error: required('a whole number of tokens') })
  .int('must be a whole number of tokens')
  .nonnegative('must not be negative')
  .max(1e10, 'is implausibly large');
// Searches per call: a few in practice (Anthropic's max_uses caps them); 100,000 keeps a typo from becoming a fortune.
const searchCount = z
  .number({ error: required('a whole number of searches') })
  .int('must be a whole number of searches')
  .nonnegative('must not be negative')
  .max(100_000, 'is implausibly large');
const tag = z.string({ error: required('a string') }).min(1, 'must not be empty').max(512, 'is longer than 512 characters');
const milliseconds = z.number({ error: required('a number of milliseconds') }).nonnegative('must not be negative');

// Optional fields also accept null, which loggers and CSV exports write for "not known": both mean absent.
function optional<Schema extends z.ZodType>(schema: Schema, description: string) {
  return schema.nullish().describe(description);
}

/** An ISO 8601 timestamp with a date and a time; a zone-less time is read as UTC. */
export const timestampSchema = z
  .string({ error: required('an ISO 8601 timestamp such as 2026-03-01T12:00:00Z') })
  .regex(timestampPattern, { message: 'must be an ISO 8601 timestamp such as 2026-03-01T12:00:00Z', abort: true })
  .refine((value) => parseTimestampMs(value) !== undefined, 'is not a real date and time')
  .describe('When it happened: ISO 8601 with date and time, e.g. 2026-03-01T12:00:00.250Z; without a zone it is read as UTC.');

/** The raw usage formats an event may carry instead of token counts. */
export const usageFormatSchema = z.enum(['openai-chat', 'openai-responses', 'anthropic', 'gemini'], {
  error: () => 'must be one of openai-chat, openai-responses, anthropic, gemini',
});

/** The statuses of a call; absent means ok. */
export const callStatuses = ['ok', 'error', 'timeout', 'cancelled'] as const;

const attributes = optional(
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]), {
    error: () => 'must be an object of strings, numbers, booleans or nulls',
  }),
  'Free-form tags of your own, flat: {"prompt_version": "v7", "ab_bucket": 2}.',
);

/** The tags every usage event may carry, to group costs by feature, team, tier, user, session and task. */
const tagFields = {
  feature: optional(tag, 'The product feature that made the call, e.g. "support-faq". The main grouping of every report.'),
  team: optional(tag, 'The team that owns the feature or pays for the call.'),
  user_tier: optional(tag, 'The plan of the user, e.g. free, pro, enterprise: a key of `plans` in the config.'),
  user_id: optional(tag, 'The end user the call served; counts active users and receives revenue.'),
  session_id: optional(tag, 'A conversation or agent run the call belongs to.'),
  task_id: optional(tag, 'The task the call worked on; an outcome record with this task_id says how it ended.'),
  step: optional(
    z.number({ error: required('a whole number') }).int('must be a whole number').nonnegative('must not be negative'),
    'The position of the call within its task or session (0 or 1 for the first).',
  ),
  environment: optional(tag, 'e.g. production, staging.'),
  attributes,
};

/** The token-count fields, which an event gives unless it carries a raw provider `usage` object instead. */
export const tokenCountFields = [
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'input_audio_tokens',
  'output_tokens',
  'reasoning_tokens',
  'output_audio_tokens',
] as const;

/** One LLM call as sent to unitcost: token counts, or a provider's raw usage object to convert on ingest. */
export const usageEventSchema = z
  .object({
    type: z.literal('usage', { error: () => 'must be "usage", "outcome" or "revenue"' }).optional().describe('"usage", or left out.'),
    schema_version: z.literal(eventSchemaVersion, { error: () => `must be ${eventSchemaVersion}` }).optional().describe('The event format version: 1, or left out.'),
    id: optional(tag, 'Idempotency key, e.g. the provider\'s request id. Left out, it is derived from the content, so re-sending the same line is harmless.'),
    timestamp: timestampSchema,
    provider: optional(tag, 'Who served the call, e.g. anthropic, openai, google, or a provider id of your config\'s custom models.'),
    model: tag.describe('The model id as the provider names it, e.g. claude-haiku-4-5, gpt-5-mini.'),
    input_tokens: optional(tokenCount, 'Every prompt token, cached or not: the total, including cache reads and cache writes.'),
    cache_read_tokens: optional(tokenCount, 'The prompt tokens read from the provider\'s prompt cache; part of input_tokens.'),
    cache_write_tokens: optional(tokenCount, 'The prompt tokens written to the prompt cache, of any TTL; part of input_tokens.'),
    cache_write_1h_tokens: optional(tokenCount, 'How many of cache_write_tokens were 1-hour writes; the rest are 5-minute writes.'),
    input_audio_tokens: optional(tokenCount, 'Audio tokens among the uncached prompt tokens; part of input_tokens.'),
    output_tokens: optional(tokenCount, 'Every generated token: the total, including reasoning and audio.'),
    reasoning_tokens: optional(tokenCount, 'Hidden reasoning ("thinking") tokens; part of output_tokens.'),
    output_audio_tokens: optional(tokenCount, 'Generated audio tokens; part of output_tokens.'),
    web_search_requests: optional(
      searchCount,
      'Server-side web searches the call ran, priced per search (Anthropic: usage.server_tool_use.web_search_requests; OpenAI Responses: its web_search_call output items). Absent means none. A raw Anthropic usage object carries its own count.',
    ),
    usage: optional(
      z.record(z.string(), z.unknown(), { error: () => 'must be an object: the provider response\'s usage (Gemini: usageMetadata)' }),
      'Instead of the token counts: the provider\'s raw usage object, converted on ingest by usage_format.',
    ),
    usage_format: optional(usageFormatSchema, 'The wire format of `usage`: openai-chat, openai-responses, anthropic or gemini.'),
    ...tagFields,
    status: optional(z.enum(callStatuses, { error: () => 'must be one of ok, error, timeout, cancelled' }), 'How the call ended; absent means ok.'),
    retry_of: optional(tag, 'The id of the failed call this one retries.'),
    latency_ms: optional(milliseconds, 'Time from request to the end of the response.'),
    time_to_first_token_ms: optional(milliseconds, 'Time from request to the first streamed token.'),
    response_cache: optional(
      z.enum(['hit', 'miss'], { error: () => 'must be hit or miss' }),
      'For features behind a semantic or response cache: hit when the cache answered instead of the model, else miss.',
    ),
    cost_usd: optional(
      z.number({ error: required('a number of dollars') }).nonnegative('must not be negative'),
      'What the source (a gateway, the provider) says the call cost; kept beside unitcost\'s own cost, never instead of it.',
    ),
  })
  .strict()
  .superRefine((event, context) => {
    const issue = (field: string, message: string): void => context.addIssue({ code: 'custom', path: [field], message });
    // zod runs this even when a field failed its own check; adding up a count already refused would only add noise.
    if (!tokenCountFields.every((field) => event[field] == null || tokenCount.safeParse(event[field]).success)) return;
    if (event.usage != null) {
      if (event.usage_format == null) issue('usage_format', 'is required with usage: one of openai-chat, openai-responses, anthropic, gemini');
      const counted = tokenCountFields.find((field) => event[field] != null);
      if (counted) issue(counted, 'give either token counts or a raw usage object, not both');
      return;
    }
    if (event.usage_format != null) issue('usage', 'is required with usage_format');
    if (event.input_tokens == null) issue('input_tokens', 'is required (or a raw usage object with usage_format)');
    if (event.output_tokens == null) issue('output_tokens', 'is required (or a raw usage object with usage_format)');
    const input = event.input_tokens ?? 0;
    const cached = (event.cache_read_tokens ?? 0) + (event.cache_write_tokens ?? 0);
    if (cached > input) issue('cache_read_tokens', `cache reads and writes (${cached}) exceed input_tokens (${input}), which already includes them`);
    if ((event.cache_write_1h_tokens ?? 0) > (event.cache_write_tokens ?? 0)) issue('cache_write_1h_tokens', 'exceeds cache_write_tokens, which includes the 1-hour writes');
    if (cached <= input && (event.input_audio_tokens ?? 0) > input - cached) issue('input_audio_tokens', `exceeds the uncached input tokens (${input - cached})`);
    const outputParts = (event.reasoning_tokens ?? 0) + (event.output_audio_tokens ?? 0);
    if (outputParts > (event.output_tokens ?? 0)) {
      issue(event.reasoning_tokens ? 'reasoning_tokens' : 'output_audio_tokens', `reasoning and audio output (${outputParts}) exceed output_tokens, which already includes them`);
    }
  })
  .describe('One LLM call.');

/** How a task ended: the divisor of cost per successful task. */
export const outcomeRecordSchema = z
  .object({
    type: z.literal('outcome').describe('"outcome".'),
    schema_version: z.literal(eventSchemaVersion, { error: () => `must be ${eventSchemaVersion}` }).optional(),
    task_id: tag.describe('The task_id the task\'s usage events carry.'),
    outcome: z
      .enum(['success', 'failure'], { error: (issue) => (issue.input === undefined ? 'is required' : 'must be success or failure') })
      .describe('How the task ended: success counts it in the divisor of cost per successful task.'),
    timestamp: timestampSchema,
    feature: optional(tag, 'The feature the task belongs to, when its calls span several.'),
    attributes,
  })
  .strict()
  .describe('How a task ended.');

/** Money a user paid for usage-priced products, beside the plans' seat prices. */
export const revenueRecordSchema = z
  .object({
    type: z.literal('revenue').describe('"revenue".'),
    schema_version: z.literal(eventSchemaVersion, { error: () => `must be ${eventSchemaVersion}` }).optional(),
    id: optional(tag, 'Idempotency key, e.g. the invoice line id; derived from the content when left out.'),
    user_id: tag.describe('The user who paid.'),
    amount_usd: z
      .number({ error: required('a number of dollars') })
      .min(-1e12, 'is implausibly large')
      .max(1e12, 'is implausibly large')
      .describe('Dollars received, e.g. 19.99; negative for a refund. Kept exact to the picodollar.'),
    timestamp: timestampSchema,
    feature: optional(tag, 'The feature the money is for, when known; otherwise revenue is attributed to features by the config\'s revenue_attribution.'),
    user_tier: optional(tag, 'The plan of the user.'),
    attributes,
  })
  .strict()
  .describe('Revenue from a user.');

/** Any line of the event stream, for the JSON Schema; parseEventRecord dispatches on `type` instead. */
export const eventRecordSchema = z.union([usageEventSchema, outcomeRecordSchema, revenueRecordSchema]);

/** A usage event as validated. Optional fields may be undefined or null: both mean absent. */
export type UsageEvent = z.infer<typeof usageEventSchema>;
/** A task outcome as validated. */
export type OutcomeRecord = z.infer<typeof outcomeRecordSchema>;
/** A revenue record as validated. */
export type RevenueRecord = z.infer<typeof revenueRecordSchema>;
/** Any record of the event stream. */
export type EventRecord = UsageEvent | OutcomeRecord | RevenueRecord;
