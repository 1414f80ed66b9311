import type { FieldError } from '../../events/parse-event-record.js';
import { parseTimestampMs } from '../../events/parse-timestamp.js';

/**
 * Reads the cells of one vendor row, whether it came from JSON (numbers, objects, null) or from CSV (every
 * cell a string, JSON columns as JSON text), and gathers every bad cell as an error named by the vendor's
 * own field. An empty cell, null or a missing field all mean "not known".
 */
export class RowReader {
  readonly errors: FieldError[] = [];

  constructor(private readonly row: Record<string, unknown>) {}

  /** The first of the names the row carries a value for (exports spell fields in camelCase or snake_case). */
  present(...names: string[]): string | undefined {
    return names.find((name) => !isBlank(this.row[name]));
  }

  /** A text cell, trimmed; numbers and booleans are written as text. */
  text(...names: string[]): { field: string; value: string } | undefined {
    const field = this.present(...names);
    if (field === undefined) return undefined;
    const value = this.row[field];
    if (typeof value === 'string') return value.trim() === '' ? undefined : { field, value: value.trim() };
    if (typeof value === 'number' || typeof value === 'boolean') return { field, value: String(value) };
    this.errors.push({ field, message: 'must be text' });
    return undefined;
  }

  /** A token count: a whole number ≥ 0, or its text. */
  count(...names: string[]): { field: string; value: number } | undefined {
    const found = this.number(...names);
    if (found === undefined) return undefined;
    if (!Number.isInteger(found.value) || found.value < 0) {
      this.errors.push({ field: found.field, message: `must be a whole number of tokens ≥ 0, got ${found.value}` });
      return undefined;
    }
    return found;
  }

  /** A number, or its text. */
  number(...names: string[]): { field: string; value: number } | undefined {
    const field = this.present(...names);
    if (field === undefined) return undefined;
    const raw = this.row[field];
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && numberPattern.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(value)) {
      this.errors.push({ field, message: `must be a number, got ${JSON.stringify(raw)}` });
      return undefined;
    }
    return { field, value };
  }

  /** A JSON object cell: an object in JSON exports, JSON text in CSV exports. */
  object(...names: string[]): { field: string; value: Record<string, unknown> } | undefined {
    const field = this.present(...names);
    if (field === undefined) return undefined;
    const parsed = parseJsonCell(this.row[field]);
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.errors.push({ field, message: 'must be a JSON object' });
      return undefined;
    }
    return { field, value: parsed as Record<string, unknown> };
  }

  /** A list of strings: a JSON array, its JSON text, or comma-separated text (how spreadsheets write lists). */
  list(...names: string[]): { field: string; value: string[] } | undefined {
    const field = this.present(...names);
    if (field === undefined) return undefined;
    const raw = this.row[field];
    const parsed = typeof raw === 'string' && !raw.trim().startsWith('[') ? raw.split(',') : parseJsonCell(raw);
    if (!Array.isArray(parsed)) {
      this.errors.push({ field, message: 'must be a list of tags' });
      return undefined;
    }
    const value = parsed.filter((item): item is string | number => typeof item === 'string' || typeof item === 'number').map((item) => String(item).trim());
    return { field, value: value.filter((item) => item !== '') };
  }

  /**
   * An instant: ISO 8601 text (a space for the T, any fraction, a zone or none for UTC, as databases dump
   * them) or epoch milliseconds. Returns both the text to store and the instant, for durations.
   */
  instant(...names: string[]): { field: string; value: string; ms: number } | undefined {
    const field = this.present(...names);
    if (field === undefined) return undefined;
    const raw = this.row[field];
    if (typeof raw === 'number') {
      if (!Number.isFinite(raw) || raw < 0) {
        this.errors.push({ field, message: 'must be an ISO 8601 timestamp or epoch milliseconds' });
        return undefined;
      }
      return { field, value: new Date(raw).toISOString(), ms: raw };
    }
    if (typeof raw !== 'string') {
      this.errors.push({ field, message: 'must be an ISO 8601 timestamp' });
      return undefined;
    }
    // PostgreSQL writes a UTC offset as "+00"; the event format wants "+00:00".
    const value = raw.trim().replace(/([+-]\d{2})$/, '$1:00');
    const ms = parseTimestampMs(value);
    if (ms === undefined) {
      this.errors.push({ field, message: `must be an ISO 8601 timestamp such as 2026-03-01T12:00:00Z, got ${JSON.stringify(raw)}` });
      return undefined;
    }
    return { field, value, ms };
  }

  /** A token count nested in a JSON cell (label names it for errors, e.g. metadata.usage_object.cache_read_input_tokens). */
  countIn(object: unknown, path: readonly string[], label: string): number | undefined {
    let value: unknown = object;
    for (const key of path) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined || value === null || value === '') return undefined;
    const count = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      this.errors.push({ field: label, message: `must be a whole number of tokens ≥ 0, got ${JSON.stringify(value)}` });
      return undefined;
    }
    return count;
  }

  /** Records a problem found by the caller. */
  fail(field: string, message: string): void {
    this.errors.push({ field, message });
  }
}

const numberPattern = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function parseJsonCell(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    // Helicone's export tool doubles the quotes of JSON cells once more than CSV needs, so a CSV reader
    // hands over {""Feature"":""search""}: undo the extra doubling before giving up.
    if (!value.includes('""')) return undefined;
    try {
      return JSON.parse(value.replaceAll('""', '"')) as unknown;
    } catch {
      return undefined;
    }
  }
}
