import { splitCsvRecord } from '../csv-records.js';

/** One row of a vendor export, with the line it starts on; or why the text there is not a row. */
export type ExportRow = { line: number; row: Record<string, unknown> } | { line: number; error: { field: string; message: string } };

/** The layouts vendor exports come in. */
export type ExportLayout = 'json-array' | 'json-data' | 'jsonl' | 'csv';

/**
 * Turns the lines of a vendor export into rows, whichever layout it has: a JSON array (pretty-printed
 * or not; LiteLLM's /spend/logs, Langfuse's and Helicone's JSON exports), a JSON object holding its rows
 * in "data" (paged API responses), JSON lines, or CSV with a header (cells stay strings; JSON columns
 * stay JSON text for the mapper). The layout is chosen by the first non-blank line. Each row keeps the
 * line it starts on, so a refusal can say file:line even inside a pretty-printed array.
 */
export class ExportRowParser {
  private layout: ExportLayout | undefined;
  private readonly json = new JsonArrayScanner();
  private csvFields: string[] | undefined;
  private csvPending: { text: string; line: number } | undefined;

  /** The layout found, once a non-blank line has been read. */
  get detected(): ExportLayout | undefined {
    return this.layout;
  }

  /** Reads lines numbered from firstLine; returns the rows they completed. */
  read(lines: readonly string[], firstLine: number): ExportRow[] {
    const rows: ExportRow[] = [];
    for (let index = 0; index < lines.length; index += 1) {
      let line = lines[index]!;
      const number = firstLine + index;
      if (this.layout === undefined) {
        if (number === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
        const start = line.trimStart();
        if (start === '') continue;
        this.layout = start.startsWith('[') ? 'json-array' : start.startsWith('{') ? (isJsonObject(line) ? 'jsonl' : 'json-data') : 'csv';
        if (this.layout === 'json-data') this.json.expectWrapper();
      }
      if (this.layout === 'jsonl') this.readJsonLine(line, number, rows);
      else if (this.layout === 'csv') this.readCsvLine(line, number, rows);
      else this.json.feed(line, number, rows);
    }
    return rows;
  }

  /** What is left at the end: an unterminated JSON document or quoted CSV cell. */
  finish(lastLine: number): ExportRow[] {
    if (this.layout === 'json-array' || this.layout === 'json-data') return this.json.finish(lastLine);
    if (this.csvPending !== undefined) return [{ line: this.csvPending.line, error: { field: '', message: 'has a quoted cell that is never closed' } }];
    return [];
  }

  private readJsonLine(line: string, number: number, rows: ExportRow[]): void {
    if (line.trim() === '') return;
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) rows.push({ line: number, row: value as Record<string, unknown> });
      else rows.push({ line: number, error: { field: '', message: 'must be a JSON object, one row per line' } });
    } catch (error) {
      rows.push({ line: number, error: { field: '', message: `is not valid JSON: ${(error as Error).message}` } });
    }
  }

  private readCsvLine(line: string, number: number, rows: ExportRow[]): void {
    const pending = this.csvPending;
    const text = pending === undefined ? line : `${pending.text}\n${line}`;
    if (pending === undefined && text.trim() === '') return;
    const cells = splitCsvRecord(text);
    if (cells === undefined) {
      this.csvPending = { text, line: pending?.line ?? number };
      return;
    }
    this.csvPending = undefined;
    const at = pending?.line ?? number;
    if (this.csvFields === undefined) {
      this.csvFields = cells.map((cell) => cell.trim());
      return;
    }
    if (cells.length !== this.csvFields.length) {
      rows.push({ line: at, error: { field: '', message: `has ${cells.length} cells where the header names ${this.csvFields.length} columns` } });
      return;
    }
    const row: Record<string, unknown> = {};
    cells.forEach((cell, position) => {
      if (cell !== '') row[this.csvFields![position]!] = cell;
    });
    rows.push({ line: at, row });
  }
}

function isJsonObject(line: string): boolean {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Finds the elements of a JSON array in text fed a line at a time, without parsing the whole document:
 * an export of millions of rows is read in the memory of one row. Strings are tracked so that brackets
 * inside them do not count. With a wrapper, the array is the value of the top-level key "data".
 */
class JsonArrayScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The depth of the rows' array once it has opened; undefined before. */
  private rowsDepth: number | undefined;
  private wrapped = false;
  private lastString = '';
  private currentKey = '';
  private element: { parts: string[]; line: number } | undefined;
  private primitive = false;
  private lastLine = 0;

  expectWrapper(): void {
    this.wrapped = true;
  }

  feed(line: string, number: number, rows: ExportRow[]): void {
    this.lastLine = number;
    let segmentStart = 0;
    let stringStart = 0;
    for (let index = 0; index < line.length; index += 1) {
      const character = line[index]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (character === '\\') this.escaped = true;
        else if (character === '"') {
          this.inString = false;
          if (this.wrapped && this.depth === 1) this.lastString = line.slice(stringStart, index);
        }
        continue;
      }
      const atRows = this.rowsDepth !== undefined && this.depth === this.rowsDepth && this.element === undefined;
      if (character === '"') {
        this.inString = true;
        stringStart = index + 1;
        if (atRows && !this.primitive) this.primitiveRow(number, rows);
        continue;
      }
      if (character === ',' || character === ']') this.primitive = false;
      if (character === '{' || character === '[') {
        if (atRows && character === '{') {
          this.element = { parts: [], line: number };
          segmentStart = index;
        } else if (atRows && !this.primitive) this.primitiveRow(number, rows);
        this.depth += 1;
        if (this.rowsDepth === undefined && character === '[' && (this.wrapped ? this.depth === 2 && this.currentKey === 'data' : this.depth === 1)) this.rowsDepth = this.depth;
      } else if (character === '}' || character === ']') {
        this.depth -= 1;
        if (this.element !== undefined && this.depth === this.rowsDepth) {
          this.element.parts.push(line.slice(segmentStart, index + 1));
          rows.push(this.parseElement(this.element));
          this.element = undefined;
        }
      } else if (character === ':' && this.wrapped && this.depth === 1) {
        this.currentKey = this.lastString;
      } else if (atRows && !this.primitive && character !== ',' && character.trim() !== '') {
        this.primitiveRow(number, rows);
      }
    }
    if (this.element !== undefined) {
      this.element.parts.push(`${line.slice(segmentStart)}\n`);
    }
  }

  finish(lastLine: number): ExportRow[] {
    const line = this.element?.line ?? Math.max(this.lastLine, lastLine);
    if (this.depth !== 0 || this.inString) return [{ line, error: { field: '', message: 'the JSON document ends before its closing bracket (a cut-off export?)' } }];
    if (this.rowsDepth === undefined) return [{ line: 1, error: { field: '', message: 'a JSON export must be an array of rows, or an object with its rows in "data"' } }];
    return [];
  }

  private primitiveRow(number: number, rows: ExportRow[]): void {
    this.primitive = true;
    rows.push({ line: number, error: { field: '', message: 'each row of the array must be a JSON object' } });
  }

  private parseElement(element: { parts: string[]; line: number }): ExportRow {
    try {
      return { line: element.line, row: JSON.parse(element.parts.join('')) as Record<string, unknown> };
    } catch (error) {
      return { line: element.line, error: { field: '', message: `is not valid JSON: ${(error as Error).message}` } };
    }
  }
}
