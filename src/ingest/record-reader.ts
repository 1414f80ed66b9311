import { CsvRecords, csvHeaderProblem, splitCsvRecord } from './csv-records.js';

/**
 * One line (or CSV record) read as a wire-format value, or why it could not be read. `unreadable` condemns
 * the whole input (a CSV header with a column that is no field of ours): its other lines are skipped, not refused one by one.
 */
export type ReadRecord =
  | { ok: true; value: unknown }
  | { ok: false; field: string; message: string }
  | { ok: 'unreadable'; field: string; message: string }
  | { ok: 'pending' }
  | { ok: 'skip' };

/** Reads the lines of one input as records; stateful for CSV (its header, and quoted cells across lines). */
export interface RecordReader {
  readonly format: 'jsonl' | 'csv';
  /** Reads the next line: a record, an error, nothing yet (a CSV cell continues on the next line), or nothing at all (blank line, header). */
  read(line: string): ReadRecord;
  /** What is left at the end of the input: an unterminated quoted CSV cell. */
  finish(): ReadRecord | undefined;
}

/** A reader that picks the format by the input's first non-blank line: an object means JSON lines, anything else a CSV header. */
export function detectingRecordReader(): RecordReader {
  let chosen: RecordReader | undefined;
  return {
    get format() {
      return chosen?.format ?? 'jsonl';
    },
    read(line: string): ReadRecord {
      if (!chosen) {
        if (line.trim().length === 0) return { ok: 'skip' };
        chosen = line.trimStart().startsWith('{') ? new JsonLinesReader() : new CsvReader();
      }
      return chosen.read(line);
    },
    finish: () => chosen?.finish(),
  };
}

/** A reader of JSON lines only (for lines picked out of a file already known to be JSON lines). */
export function jsonLinesRecordReader(): RecordReader {
  return new JsonLinesReader();
}

class JsonLinesReader implements RecordReader {
  readonly format = 'jsonl';

  read(line: string): ReadRecord {
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim().length === 0)) return { ok: 'skip' };
    try {
      return { ok: true, value: JSON.parse(line) as unknown };
    } catch (error) {
      return { ok: false, field: '', message: `is not valid JSON: ${(error as Error).message}` };
    }
  }

  finish(): undefined {
    return undefined;
  }
}

class CsvReader implements RecordReader {
  readonly format = 'csv';
  private records: CsvRecords | undefined;
  private pending: string | undefined;
  private unreadable = false;

  read(line: string): ReadRecord {
    if (this.unreadable) return { ok: 'skip' };
    const text = this.pending === undefined ? line : `${this.pending}\n${line}`;
    if (this.pending === undefined && text.trim().length === 0) return { ok: 'skip' };
    const cells = splitCsvRecord(text);
    if (cells === undefined) {
      this.pending = text;
      return { ok: 'pending' };
    }
    this.pending = undefined;
    if (!this.records) {
      const problem = csvHeaderProblem(cells);
      if (problem) {
        this.unreadable = true;
        return { ok: 'unreadable', ...problem };
      }
      this.records = new CsvRecords(cells);
      return { ok: 'skip' };
    }
    const record = this.records.toRecord(cells);
    return typeof record === 'string' ? { ok: false, field: '', message: record } : { ok: true, value: record };
  }

  finish(): ReadRecord | undefined {
    if (this.pending === undefined || this.unreadable) return undefined;
    this.pending = undefined;
    return { ok: false, field: '', message: 'has a quoted cell that is never closed' };
  }
}
