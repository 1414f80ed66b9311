/*
 * CSV input: the header names the wire fields (timestamp, model, input_tokens, …), one event per row.
 * Number fields are read as numbers; an empty cell leaves the field out; a `usage` or `attributes` cell
 * holds JSON; and `attributes.<key>` columns gather into the attributes object as strings, which is how
 * spreadsheets and SQL exports carry free-form tags. Fields are separated by commas and may be quoted
 * with double quotes ("" inside quotes is a quote), including across line breaks.
 */

import { eventFieldNames, knownFieldMistake, suggestFieldNames } from '../core/events/unknown-field-message.js';
import { tokenCountFields } from '../core/events/usage-event.js';

const numberFields = new Set<string>([
  'schema_version',
  ...tokenCountFields,
  'step',
  'latency_ms',
  'time_to_first_token_ms',
  'cost_usd',
  'amount_usd',
]);
const jsonFields = new Set(['usage', 'attributes']);
const numberPattern = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The cells of one CSV record, or undefined while a quoted cell is still open at the end of the text. */
export function splitCsvRecord(text: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  let index = 0;
  while (index < text.length) {
    const character = text[index]!;
    if (quoted) {
      if (character === '"') {
        if (text[index + 1] === '"') {
          cell += '"';
          index += 1;
        } else quoted = false;
      } else cell += character;
    } else if (character === '"' && cell.length === 0) quoted = true;
    else if (character === ',') {
      cells.push(cell);
      cell = '';
    } else cell += character;
    index += 1;
  }
  if (quoted) return undefined;
  cells.push(cell);
  return cells;
}

/**
 * What is wrong with a CSV header, checked once so that a misnamed column is one error instead of a
 * refusal of every row: the first column at fault and a message naming every bad column, or undefined
 * when each column is a field of the event format, an attributes.<key> column, or unnamed (a trailing comma).
 */
export function csvHeaderProblem(headerCells: readonly string[]): { field: string; message: string } | undefined {
  const fields = headerCells.map((cell) => cell.trim());
  const unknown = fields.filter((field) => field !== '' && !eventFieldNames.includes(field) && !(field.startsWith('attributes.') && field.length > 'attributes.'.length));
  const twice = [...new Set(fields.filter((field, index) => field !== '' && fields.indexOf(field) !== index))];
  const first = unknown[0] ?? twice[0];
  if (first === undefined) return undefined;
  const problems: string[] = [];
  if (unknown.length === 1) problems.push(`column "${first}" is not a field of the event format${columnHint(first)}`);
  if (unknown.length > 1) problems.push(`columns are not fields of the event format: ${unknown.map((field) => `"${field}"${columnHint(field)}`).join(', ')}`);
  if (twice.length > 0) problems.push(`${twice.map((field) => `"${field}"`).join(', ')} ${twice.length === 1 ? 'is' : 'are'} named twice`);
  return {
    field: first,
    message: `the CSV header's ${problems.join('; and ')}. Nothing of this file was ingested: the fields are listed in docs/events.md, and your own tags go in attributes.<key> columns`,
  };
}

function columnHint(field: string): string {
  const mistake = knownFieldMistake(field);
  if (mistake) return ` (${mistake})`;
  const suggestions = suggestFieldNames(field);
  return suggestions.length > 0 ? ` (did you mean ${suggestions.join(' or ')}?)` : '';
}

/** Turns CSV records into wire-format objects, by the header's field names. */
export class CsvRecords {
  private readonly fields: string[];

  constructor(headerCells: string[]) {
    this.fields = headerCells.map((cell) => cell.trim());
  }

  /** The wire record of one row; a row with the wrong number of cells is an error message. */
  toRecord(cells: string[]): Record<string, unknown> | string {
    if (cells.length !== this.fields.length) return `has ${cells.length} cells where the header names ${this.fields.length} fields`;
    const record: Record<string, unknown> = {};
    for (let index = 0; index < cells.length; index += 1) {
      const cell = cells[index]!;
      if (cell === '') continue;
      const field = this.fields[index]!;
      if (field.startsWith('attributes.')) {
        const attributes = (record.attributes ??= {}) as Record<string, unknown>;
        if (typeof attributes === 'object' && attributes !== null) attributes[field.slice('attributes.'.length)] = cell;
      } else if (numberFields.has(field)) {
        record[field] = numberPattern.test(cell.trim()) ? Number(cell) : cell;
      } else if (jsonFields.has(field)) {
        try {
          const parsed = JSON.parse(cell) as unknown;
          record[field] = field === 'attributes' && typeof record.attributes === 'object' ? { ...(record.attributes as object), ...(parsed as object) } : parsed;
        } catch {
          record[field] = cell;
        }
      } else {
        record[field] = cell;
      }
    }
    return record;
  }
}
