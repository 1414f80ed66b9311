import type { SpanAttributes, SpanAttributeValue } from '../captured-span.js';
import { eventTagNames } from '../../events/event-tags.js';
import type { AttributeProblem } from './span-mapping.js';

/** A decoded count, its absence, or the reason it cannot be one. */
export type CountReading = { ok: true; value: number | undefined; attribute?: string } | ({ ok: false } & AttributeProblem);

/** True when `result` is the failure of a reading, so a mapper can return it as its mapping. */
export function isProblem(result: unknown): result is AttributeProblem {
  return typeof result === 'object' && result !== null && (result as { kind?: unknown }).kind === 'invalid';
}

/**
 * Reads a token count from the first of `names` that the span carries (later names are deprecated or
 * other instrumentations' spellings). A count must be a non-negative integer; a decimal-digit string is
 * accepted because some SDKs stringify attributes, anything else is refused with the attribute's name.
 */
export function readCount(attributes: SpanAttributes, names: readonly string[]): CountReading {
  for (const name of names) {
    const value = attributes[name];
    if (value === undefined || value === null) continue;
    const count = toCount(value);
    // The message leaves the attribute's name to the caller, which says "attribute <name> …" once.
    if (count === undefined) return { ok: false, kind: 'invalid', attribute: name, message: `must be a non-negative integer, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}` };
    return { ok: true, value: count, attribute: name };
  }
  return { ok: true, value: undefined };
}

function toCount(value: SpanAttributeValue): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  return Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

/** The first of `names` holding a non-empty string (numbers, as some SDKs send ids, are stringified). */
export function readString(attributes: SpanAttributes, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = attributes[name];
    if (typeof value === 'string' && value.trim() !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}

/** True when some attribute key starts with one of `prefixes`. */
export function hasPrefixedKey(attributes: SpanAttributes, prefixes: readonly string[]): boolean {
  return Object.keys(attributes).some((key) => prefixes.some((prefix) => key.startsWith(prefix)));
}

/** Tags and leftover attributes gathered from free-form metadata. */
export interface Metadata {
  tags: Record<string, string | number>;
  attributes: Record<string, string | number | boolean>;
}

/**
 * Sorts free-form metadata entries (traceloop association properties, AI SDK telemetry metadata,
 * OpenInference's metadata object) into our tags and flat attributes. Values that are neither
 * scalars nor valid tags are dropped, since attributes stay flat.
 */
export function sortMetadata(entries: Iterable<[string, unknown]>, into: Metadata = { tags: {}, attributes: {} }): Metadata {
  for (const [key, value] of entries) {
    const tag = (eventTagNames as readonly string[]).includes(key) ? key : undefined;
    if (tag === 'step') {
      const step = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
      if (typeof step === 'number' && Number.isSafeInteger(step) && step >= 0) {
        into.tags.step = step;
        continue;
      }
    } else if (tag !== undefined && (typeof value === 'string' || typeof value === 'number')) {
      const text = String(value);
      // The event format bounds tags to 1–512 characters; a longer value is kept as a plain attribute.
      if (text.length >= 1 && text.length <= 512) {
        into.tags[tag] = text;
        continue;
      }
    }
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) into.attributes[key] = value;
  }
  return into;
}

/** The entries of `attributes` whose key starts with `prefix`, the prefix stripped. */
export function prefixedEntries(attributes: SpanAttributes, prefix: string): Array<[string, SpanAttributeValue]> {
  return Object.entries(attributes)
    .filter(([key]) => key.startsWith(prefix) && key.length > prefix.length)
    .map(([key, value]) => [key.slice(prefix.length), value]);
}

/** Where a dialect reads each count from: attribute names in order of preference (current spelling first). */
export interface CountAttributeNames {
  input: readonly string[];
  output: readonly string[];
  cacheRead?: readonly string[];
  cacheWrite?: readonly string[];
  reasoning?: readonly string[];
}

/** The counts a span carries, each undefined when absent; the attribute names used are kept for error messages. */
export interface SpanCounts {
  input?: number | undefined;
  output?: number | undefined;
  cacheRead?: number | undefined;
  cacheWrite?: number | undefined;
  reasoning?: number | undefined;
}

/** Reads every count of `names`, or the first count that cannot be one. */
export function readCounts(attributes: SpanAttributes, names: CountAttributeNames): SpanCounts | AttributeProblem {
  const counts: SpanCounts = {};
  for (const part of ['input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'] as const) {
    const reading = readCount(attributes, names[part] ?? []);
    if (!reading.ok) return { kind: 'invalid', attribute: reading.attribute, message: reading.message };
    counts[part] = reading.value;
  }
  return counts;
}

/**
 * Parses an attribute that holds a JSON object as a string (OpenInference's `metadata`, the AI SDK's
 * `ai.response.providerMetadata`), or that a kvlist already decoded. Anything else reads as absent:
 * such attributes are free-form, and a malformed one must not cost the call its usage.
 */
export function readJsonObject(value: unknown): Record<string, unknown> | undefined {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** A non-negative finite number of milliseconds, or undefined. */
export function readMilliseconds(attributes: SpanAttributes, name: string): number | undefined {
  const value = attributes[name];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
