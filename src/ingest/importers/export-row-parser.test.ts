import { describe, expect, it } from 'vitest';
import { ExportRowParser, type ExportRow } from './export-row-parser.js';

/** Parses text as if it came in the given chunks of lines. */
function parse(text: string, chunkLines = 2): { rows: ExportRow[]; layout: string | undefined } {
  const parser = new ExportRowParser();
  const lines = text.split('\n');
  const rows: ExportRow[] = [];
  for (let start = 0; start < lines.length; start += chunkLines) rows.push(...parser.read(lines.slice(start, start + chunkLines), start + 1));
  rows.push(...parser.finish(lines.length));
  return { rows, layout: parser.detected };
}

describe('ExportRowParser', () => {
  it('reads a pretty-printed JSON array, each row at the line its object opens', () => {
    const { rows, layout } = parse('[\n  {\n    "id": "a",\n    "n": 1\n  },\n  {\n    "id": "b"\n  }\n]\n');
    expect(layout).toBe('json-array');
    expect(rows).toEqual([
      { line: 2, row: { id: 'a', n: 1 } },
      { line: 6, row: { id: 'b' } },
    ]);
  });

  it('reads a JSON array on one line, and brackets inside strings do not count', () => {
    const { rows } = parse('[{"id":"a","text":"} ] { ["},{"id":"b\\"}"}]');
    expect(rows).toEqual([
      { line: 1, row: { id: 'a', text: '} ] { [' } },
      { line: 1, row: { id: 'b"}' } },
    ]);
  });

  it('reads the rows of a paged API response from its "data" array, ignoring other arrays', () => {
    const { rows, layout } = parse('{\n  "tags": ["x"],\n  "data": [\n    {"id": "a", "list": [1, 2]}\n  ],\n  "total": 1\n}');
    expect(layout).toBe('json-data');
    expect(rows).toEqual([{ line: 4, row: { id: 'a', list: [1, 2] } }]);
  });

  it('reads JSON lines, refusing a line that is not an object', () => {
    const { rows, layout } = parse('{"id":"a"}\n\n[1]\n{"id":"b"}');
    expect(layout).toBe('jsonl');
    expect(rows).toEqual([{ line: 1, row: { id: 'a' } }, { line: 3, error: { field: '', message: 'must be a JSON object, one row per line' } }, { line: 4, row: { id: 'b' } }]);
  });

  it('reads CSV by its header, leaving empty cells out and keeping a quoted cell across lines', () => {
    const { rows, layout } = parse('\ufeffid,metadata,note\na,"{""feature"":""x""}",\nb,,"two\nlines"\nc,1');
    expect(layout).toBe('csv');
    expect(rows).toEqual([
      { line: 2, row: { id: 'a', metadata: '{"feature":"x"}' } },
      { line: 3, row: { id: 'b', note: 'two\nlines' } },
      { line: 5, error: { field: '', message: 'has 2 cells where the header names 3 columns' } },
    ]);
  });

  it('refuses a row of the array that is not an object, and keeps reading', () => {
    const { rows } = parse('[\n  42,\n  {"id": "a"}\n]');
    expect(rows).toEqual([{ line: 2, error: { field: '', message: 'each row of the array must be a JSON object' } }, { line: 3, row: { id: 'a' } }]);
  });

  it('says so when a JSON export is cut off, keeping the rows before the cut', () => {
    const { rows } = parse('[\n  {"id": "a"},\n  {"id": "b",\n');
    expect(rows).toEqual([{ line: 2, row: { id: 'a' } }, { line: 3, error: { field: '', message: 'the JSON document ends before its closing bracket (a cut-off export?)' } }]);
  });
});
