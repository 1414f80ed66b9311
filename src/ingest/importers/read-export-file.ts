import type { Readable } from 'node:stream';
import { lineChunks } from '../line-chunks.js';
import { openInput } from '../open-input.js';
import { ExportRowParser, type ExportRow } from './export-row-parser.js';

export type { ExportRow } from './export-row-parser.js';

/** A vendor export opened for reading: its rows, a chunk at a time, and how far through it the reader is. */
export interface ExportFile {
  /** The name rejects are attributed to: the file's base name, or "stdin". */
  name: string;
  /** The raw (compressed, for gzip) size when known. */
  totalBytes: number | undefined;
  bytesRead: () => number;
  /** Lines read so far (for the summary, like ingest's). */
  linesRead: () => number;
  /** The rows, with the line each starts on, in the order of the file. */
  rows: AsyncGenerator<ExportRow[]>;
}

/**
 * Opens a vendor export (a file, or "-" for stdin; gzipped or not) and reads it as rows: a JSON array, a
 * JSON object with a "data" array, JSON lines, or CSV. The file is streamed, never read whole.
 */
export async function readExportFile(path: string, stdin?: Readable): Promise<ExportFile> {
  const input = await openInput(path, stdin);
  const parser = new ExportRowParser();
  let nextLine = 1;
  async function* rows(): AsyncGenerator<ExportRow[]> {
    for await (const lines of lineChunks(input.chunks)) {
      const found = parser.read(lines, nextLine);
      nextLine += lines.length;
      if (found.length > 0) yield found;
    }
    const rest = parser.finish(nextLine - 1);
    if (rest.length > 0) yield rest;
  }
  return { name: input.name, totalBytes: input.totalBytes, bytesRead: input.bytesRead, linesRead: () => nextLine - 1, rows: rows() };
}
