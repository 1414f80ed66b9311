import type { z } from 'zod';
import { UnitcostError } from '../unitcost-error.js';
import { convertUsage } from '../usage/convert-usage.js';
import { normalizedUsage, type NormalizedUsage } from '../usage/normalized-usage.js';
import { isValidOutcome, isValidRevenue, isValidUsageEvent } from './fast-validate.js';
import { parseTimestampMs } from './parse-timestamp.js';
import { unknownFieldMessage } from './unknown-field-message.js';
import {
  outcomeRecordSchema,
  revenueRecordSchema,
  usageEventSchema,
  type OutcomeRecord,
  type RevenueRecord,
  type UsageEvent,
} from './usage-event.js';

/** What is wrong with a record: the field (dotted for nested ones, "" for the record as a whole) and why. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * A valid usage event, with its instant and its tokens by billing class. `event` is often the very object
 * that was parsed (not a copy, to spare the hot path), so it must not be changed.
 */
export interface ParsedUsageEvent {
  type: 'usage';
  event: UsageEvent;
  timestampMs: number;
  usage: NormalizedUsage;
}

/** A valid task outcome, with its instant. */
export interface ParsedOutcome {
  type: 'outcome';
  event: OutcomeRecord;
  timestampMs: number;
}

/** A valid revenue record, with its instant. */
export interface ParsedRevenue {
  type: 'revenue';
  event: RevenueRecord;
  timestampMs: number;
}

/** Any valid record of the event stream. */
export type ParsedEventRecord = ParsedUsageEvent | ParsedOutcome | ParsedRevenue;

/** A record read, or every reason it was refused. */
export type ParseEventResult = { ok: true; record: ParsedEventRecord } | { ok: false; errors: FieldError[] };

/** What a parse checks beyond the record itself. */
export interface ParseEventOptions {
  /** The current time; a record more than a day after it is refused as a clock or unit error. */
  nowMs?: number;
}

const futureToleranceMs = 86_400_000;

/**
 * Validates one record of the event stream (a parsed JSON object) by its `type`: a usage event when it
 * has none, an outcome or a revenue record. A usage event's raw provider usage is converted here, so a
 * bad usage object is refused like any other field. Bad records are returned with every field at fault,
 * never thrown.
 */
export function parseEventRecord(value: unknown, options: ParseEventOptions = {}): ParseEventResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('', 'must be a JSON object, one record per line');
  }
  const type = (value as { type?: unknown }).type;
  if (type === undefined || type === 'usage') return parseUsage(value as Record<string, unknown>, options);
  if (type === 'outcome') return parseOutcome(value as Record<string, unknown>, options);
  if (type === 'revenue') return parseRevenue(value as Record<string, unknown>, options);
  return refuse('type', `must be "usage" (or left out), "outcome" or "revenue", got ${JSON.stringify(type)}`);
}

// The hand-written check accepts the common valid record without building zod's result; anything it does
// not accept goes through zod, which has the last word and writes the messages. The two are kept in step
// by parse-event-record.test.ts.
function parseUsage(value: Record<string, unknown>, options: ParseEventOptions): ParseEventResult {
  let event: UsageEvent;
  if (isValidUsageEvent(value)) {
    event = value as UsageEvent;
  } else {
    const result = usageEventSchema.safeParse(value);
    if (!result.success) return { ok: false, errors: fieldErrors(result.error.issues, 'usage event', usageFields) };
    event = result.data;
  }
  const timestampMs = parseTimestampMs(event.timestamp)!;
  if (isTooFarAhead(timestampMs, options)) return refuseFuture(event.timestamp, options);
  let usage: NormalizedUsage;
  if (event.usage == null) {
    const cacheWrite = event.cache_write_tokens ?? 0;
    const cacheWrite1h = event.cache_write_1h_tokens ?? 0;
    usage = normalizedUsage({
      inputTotal: event.input_tokens!,
      cacheRead: event.cache_read_tokens ?? 0,
      cacheWrite5m: cacheWrite - cacheWrite1h,
      cacheWrite1h,
      inputAudio: event.input_audio_tokens ?? 0,
      outputTotal: event.output_tokens!,
      reasoning: event.reasoning_tokens ?? 0,
      outputAudio: event.output_audio_tokens ?? 0,
      webSearchRequests: event.web_search_requests ?? 0,
    });
  } else {
    try {
      usage = convertUsage(event.usage_format!, event.usage);
    } catch (error) {
      return { ok: false, errors: [usageError(error)] };
    }
    // Some usage objects cannot carry searches (OpenAI's Responses usage: they are output items), so the
    // field may come beside them; two different counts for one call are refused rather than picked from.
    const searches = event.web_search_requests;
    if (searches != null && searches !== usage.webSearchRequests) {
      if (usage.webSearchRequests > 0) {
        return refuse('web_search_requests', `is ${searches} but the raw usage object reports ${usage.webSearchRequests} web searches; give one of them`);
      }
      usage = { ...usage, webSearchRequests: searches };
    }
  }
  return { ok: true, record: { type: 'usage', event, timestampMs, usage } };
}

function parseOutcome(value: Record<string, unknown>, options: ParseEventOptions): ParseEventResult {
  let event: OutcomeRecord;
  if (isValidOutcome(value)) {
    event = value as OutcomeRecord;
  } else {
    const result = outcomeRecordSchema.safeParse(value);
    if (!result.success) return { ok: false, errors: fieldErrors(result.error.issues, 'outcome record', outcomeFields) };
    event = result.data;
  }
  const timestampMs = parseTimestampMs(event.timestamp)!;
  if (isTooFarAhead(timestampMs, options)) return refuseFuture(event.timestamp, options);
  return { ok: true, record: { type: 'outcome', event, timestampMs } };
}

function parseRevenue(value: Record<string, unknown>, options: ParseEventOptions): ParseEventResult {
  let event: RevenueRecord;
  if (isValidRevenue(value)) {
    event = value as RevenueRecord;
  } else {
    const result = revenueRecordSchema.safeParse(value);
    if (!result.success) return { ok: false, errors: fieldErrors(result.error.issues, 'revenue record', revenueFields) };
    event = result.data;
  }
  const timestampMs = parseTimestampMs(event.timestamp)!;
  if (isTooFarAhead(timestampMs, options)) return refuseFuture(event.timestamp, options);
  return { ok: true, record: { type: 'revenue', event, timestampMs } };
}

function isTooFarAhead(timestampMs: number, options: ParseEventOptions): boolean {
  return options.nowMs !== undefined && timestampMs > options.nowMs + futureToleranceMs;
}

function refuseFuture(timestamp: string, options: ParseEventOptions): ParseEventResult {
  const now = new Date(options.nowMs!).toISOString();
  return refuse('timestamp', `${timestamp} is more than a day in the future (now is ${now}): a wrong clock, zone or unit?`);
}

function refuse(field: string, message: string): ParseEventResult {
  return { ok: false, errors: [{ field, message }] };
}

function usageError(error: unknown): FieldError {
  if (UnitcostError.isInstance(error)) {
    const field = error.details.field;
    if (field === undefined || field === 'usage' || field === 'usage_format') return { field: field ?? 'usage', message: error.message };
    return { field: `usage.${field}`, message: error.message };
  }
  return { field: 'usage', message: error instanceof Error ? error.message : String(error) };
}

const usageFields = Object.keys(usageEventSchema.shape);
const outcomeFields = Object.keys(outcomeRecordSchema.shape);
const revenueFields = Object.keys(revenueRecordSchema.shape);

function fieldErrors(issues: readonly z.core.$ZodIssue[], kind: string, fields: string[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ field: key, message: unknownFieldMessage(key, kind, fields) });
    } else {
      errors.push({ field: issue.path.map(String).join('.'), message: issue.message });
    }
  }
  return errors;
}
