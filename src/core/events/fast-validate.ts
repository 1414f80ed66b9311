import { parseTimestampMs } from './parse-timestamp.js';

/*
 * Hand-written twins of the zod schemas in usage-event.ts, for the ingest hot path: zod builds a new
 * object and an issue list for every record, which caps a core at about 130k events/s; these checks only
 * answer yes or no. They may refuse what zod would accept (the caller then asks zod, which has the last
 * word and writes the messages) but must never accept what zod refuses: parse-event-record.test.ts
 * compares the two on valid records and on every single-field corruption of them.
 */

type Check = (value: unknown) => boolean;

const isTag = (value: unknown): boolean => typeof value === 'string' && value.length >= 1 && value.length <= 512;
const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 1e10;
const isSearchCount = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100_000;
const isNonNegative = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isTimestamp = (value: unknown): boolean => typeof value === 'string' && parseTimestampMs(value) !== undefined;

// Null and undefined stand for an absent optional field, as the schema's nullish() allows.
const optional =
  (check: Check): Check =>
  (value) =>
    value === null || value === undefined || check(value);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isAttributes(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    const member = value[key];
    if (member !== null && typeof member !== 'string' && typeof member !== 'boolean' && !(typeof member === 'number' && Number.isFinite(member))) return false;
  }
  return true;
}

const oneOf =
  (...allowed: string[]): Check =>
  (value) =>
    typeof value === 'string' && allowed.includes(value);

const tagChecks: Record<string, Check> = {
  feature: optional(isTag),
  team: optional(isTag),
  user_tier: optional(isTag),
  user_id: optional(isTag),
  session_id: optional(isTag),
  task_id: optional(isTag),
  step: optional((value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0),
  environment: optional(isTag),
  attributes: optional(isAttributes),
};

const usageChecks: Record<string, Check> = Object.assign(Object.create(null) as Record<string, Check>, {
  type: (value: unknown) => value === undefined || value === 'usage',
  schema_version: (value: unknown) => value === undefined || value === 1,
  id: optional(isTag),
  timestamp: isTimestamp,
  provider: optional(isTag),
  model: isTag,
  input_tokens: optional(isCount),
  cache_read_tokens: optional(isCount),
  cache_write_tokens: optional(isCount),
  cache_write_1h_tokens: optional(isCount),
  input_audio_tokens: optional(isCount),
  output_tokens: optional(isCount),
  reasoning_tokens: optional(isCount),
  output_audio_tokens: optional(isCount),
  web_search_requests: optional(isSearchCount),
  usage: optional(isPlainObject),
  usage_format: optional(oneOf('openai-chat', 'openai-responses', 'anthropic', 'gemini')),
  ...tagChecks,
  status: optional(oneOf('ok', 'error', 'timeout', 'cancelled')),
  retry_of: optional(isTag),
  latency_ms: optional(isNonNegative),
  time_to_first_token_ms: optional(isNonNegative),
  response_cache: optional(oneOf('hit', 'miss')),
  cost_usd: optional(isNonNegative),
});

const outcomeChecks: Record<string, Check> = Object.assign(Object.create(null) as Record<string, Check>, {
  type: (value: unknown) => value === 'outcome',
  schema_version: (value: unknown) => value === undefined || value === 1,
  task_id: isTag,
  outcome: oneOf('success', 'failure'),
  timestamp: isTimestamp,
  feature: optional(isTag),
  attributes: optional(isAttributes),
});

const revenueChecks: Record<string, Check> = Object.assign(Object.create(null) as Record<string, Check>, {
  type: (value: unknown) => value === 'revenue',
  schema_version: (value: unknown) => value === undefined || value === 1,
  id: optional(isTag),
  user_id: isTag,
  amount_usd: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= -1e12 && value <= 1e12,
  timestamp: isTimestamp,
  feature: optional(isTag),
  user_tier: optional(isTag),
  attributes: optional(isAttributes),
});

function fieldsPass(record: Record<string, unknown>, checks: Record<string, Check>): boolean {
  for (const key in record) {
    const check = checks[key];
    if (check === undefined || !check(record[key])) return false;
  }
  return true;
}

/** True when a usage event certainly passes usageEventSchema. */
export function isValidUsageEvent(record: Record<string, unknown>): boolean {
  if (!fieldsPass(record, usageChecks) || record.timestamp === undefined || record.model === undefined) return false;
  if (record.usage !== null && record.usage !== undefined) {
    if (record.usage_format === null || record.usage_format === undefined) return false;
    return (
      record.input_tokens == null &&
      record.cache_read_tokens == null &&
      record.cache_write_tokens == null &&
      record.cache_write_1h_tokens == null &&
      record.input_audio_tokens == null &&
      record.output_tokens == null &&
      record.reasoning_tokens == null &&
      record.output_audio_tokens == null
    );
  }
  if (record.usage_format !== null && record.usage_format !== undefined) return false;
  const input = record.input_tokens as number | null | undefined;
  const output = record.output_tokens as number | null | undefined;
  if (input === null || input === undefined || output === null || output === undefined) return false;
  const cacheWrite = (record.cache_write_tokens as number | null | undefined) ?? 0;
  const uncached = input - ((record.cache_read_tokens as number | null | undefined) ?? 0) - cacheWrite;
  if (uncached < 0 || ((record.cache_write_1h_tokens as number | null | undefined) ?? 0) > cacheWrite) return false;
  if (((record.input_audio_tokens as number | null | undefined) ?? 0) > uncached) return false;
  const outputParts = ((record.reasoning_tokens as number | null | undefined) ?? 0) + ((record.output_audio_tokens as number | null | undefined) ?? 0);
  return outputParts <= output;
}

/** True when an outcome record certainly passes outcomeRecordSchema. */
export function isValidOutcome(record: Record<string, unknown>): boolean {
  return record.type === 'outcome' && fieldsPass(record, outcomeChecks) && record.task_id !== undefined && record.outcome !== undefined && record.timestamp !== undefined;
}

/** True when a revenue record certainly passes revenueRecordSchema. */
export function isValidRevenue(record: Record<string, unknown>): boolean {
  return record.type === 'revenue' && fieldsPass(record, revenueChecks) && record.user_id !== undefined && record.amount_usd !== undefined && record.timestamp !== undefined;
}
