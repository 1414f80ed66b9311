import { outcomeRecordSchema, revenueRecordSchema, usageEventSchema, type OutcomeRecord, type RevenueRecord, type UsageEvent } from './usage-event.js';

/*
 * The canonical content of a record is what its id is derived from and what tells a harmless re-send from
 * a conflicting record with the same id. Two lines that mean the same get the same text: keys sorted at
 * every level, null and absent alike left out, the timestamp as epoch milliseconds (so "12:00:00Z" and
 * "12:00:00.000+00:00" agree), a missing status written as "ok", and the id, type and schema_version
 * fields, which say nothing about the call, left out. Fields added to the format later, whose absence
 * means zero (web_search_requests), are left out when zero too: an event written before the field existed
 * keeps the content and hash it had, and an event that says 0 gets the same.
 */

const notContent = new Set(['id', 'type', 'schema_version']);
const absentWhenZero = new Set(['web_search_requests']);
interface ContentKey {
  name: string;
  /** True for a count added to the format later, whose absence means zero. */
  zeroIsAbsent: boolean;
  /** `"name":`, and with a comma before it. */
  first: string;
  prefix: string;
}
const contentKeys = (shape: Record<string, unknown>): readonly ContentKey[] =>
  Object.keys(shape)
    .filter((key) => !notContent.has(key))
    .sort()
    .map((name) => ({ name, zeroIsAbsent: absentWhenZero.has(name), first: `${JSON.stringify(name)}:`, prefix: `,${JSON.stringify(name)}:` }));

const usageContentKeys = contentKeys(usageEventSchema.shape);
const outcomeContentKeys = contentKeys(outcomeRecordSchema.shape);
const revenueContentKeys = contentKeys(revenueRecordSchema.shape);

/** The canonical content of a usage event, without its id. */
export function canonicalUsageContent(event: UsageEvent, timestampMs: number): string {
  return canonicalContent(event, usageContentKeys, timestampMs);
}

/** The canonical content of an outcome record. */
export function canonicalOutcomeContent(record: OutcomeRecord, timestampMs: number): string {
  return canonicalContent(record, outcomeContentKeys, timestampMs);
}

/** The canonical content of a revenue record, without its id. */
export function canonicalRevenueContent(record: RevenueRecord, timestampMs: number): string {
  return canonicalContent(record, revenueContentKeys, timestampMs);
}

/** JSON with object keys sorted at every level and null members left out; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      text += `${index === 0 ? '' : ','}${item === undefined ? 'null' : canonicalJson(item)}`;
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === null || member === undefined) continue;
    text += `${text.length === 1 ? '' : ','}${quote(key)}:${canonicalJson(member)}`;
  }
  return `${text}}`;
}

// The per-event path: the record's keys are known and already sorted, so the text is built in one pass,
// with each key's `"key":` written once at load time rather than per record.
function canonicalContent(record: object, keys: readonly ContentKey[], timestampMs: number): string {
  const fields = record as Record<string, unknown>;
  let text = '{';
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index]!;
    let value = key.name === 'timestamp' ? timestampMs : fields[key.name];
    if (value === null || value === undefined) {
      if (key.name !== 'status') continue;
      value = 'ok';
    } else if (value === 0 && key.zeroIsAbsent) {
      continue;
    }
    text += text.length === 1 ? key.first : key.prefix;
    text += typeof value === 'string' ? quote(value) : typeof value === 'number' ? String(value) : canonicalJson(value);
  }
  return `${text}}`;
}

// JSON.stringify of a string, without leaving JavaScript for the common string that needs no escaping.
function quote(value: string): string {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 32 || code === 34 || code === 92 || (code >= 0xd800 && code <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}
