import { describe, expect, it } from 'vitest';
import { CsvRecords, csvHeaderProblem, splitCsvRecord } from './csv-records.js';

describe('splitCsvRecord', () => {
  it('splits on commas and reads quoted cells with commas and doubled quotes', () => {
    expect(splitCsvRecord('a,"b, c","say ""hi""",')).toEqual(['a', 'b, c', 'say "hi"', '']);
  });

  it('says a record is unfinished while a quoted cell is open', () => {
    expect(splitCsvRecord('a,"first line')).toBeUndefined();
    expect(splitCsvRecord('a,"first line\nsecond line"')).toEqual(['a', 'first line\nsecond line']);
  });
});

describe('CsvRecords', () => {
  const records = new CsvRecords(['timestamp', 'model', 'input_tokens', 'output_tokens', 'attributes.region', 'usage', 'feature']);

  it('reads number fields as numbers, leaves empty cells out and gathers attributes.<key> columns', () => {
    expect(records.toRecord(['2026-03-01T00:00:00Z', 'gpt-4o', '1200', '30', 'eu', '', 'chat'])).toEqual({
      timestamp: '2026-03-01T00:00:00Z',
      model: 'gpt-4o',
      input_tokens: 1200,
      output_tokens: 30,
      attributes: { region: 'eu' },
      feature: 'chat',
    });
  });

  it('parses a usage cell as JSON and keeps a non-number token cell as text for the validator to refuse', () => {
    const record = records.toRecord(['2026-03-01T00:00:00Z', 'gpt-4o', 'many', '', '', '{"prompt_tokens":3}', '']);
    expect(record).toEqual({ timestamp: '2026-03-01T00:00:00Z', model: 'gpt-4o', input_tokens: 'many', usage: { prompt_tokens: 3 } });
  });

  it('refuses a row with the wrong number of cells', () => {
    expect(records.toRecord(['only', 'two'])).toBe('has 2 cells where the header names 7 fields');
  });
});

describe('csvHeaderProblem', () => {
  it('accepts a header of event fields, attributes.<key> columns and an unnamed trailing column', () => {
    expect(csvHeaderProblem(['timestamp', 'model', 'input_tokens', 'output_tokens', ' user_id ', 'attributes.region', 'usage', 'usage_format', ''])).toBeUndefined();
    expect(csvHeaderProblem(['type', 'task_id', 'outcome', 'timestamp'])).toBeUndefined();
  });

  it('names a misnamed column with the fields it may have meant', () => {
    expect(csvHeaderProblem(['timestamp', 'model', 'input_tokens', 'output_tokens', 'user'])).toEqual({
      field: 'user',
      message:
        'the CSV header\'s column "user" is not a field of the event format (did you mean user_id or user_tier?). Nothing of this file was ingested: the fields are listed in docs/events.md, and your own tags go in attributes.<key> columns',
    });
  });

  it('names every bad column at once, and a column named twice', () => {
    const problem = csvHeaderProblem(['timestamp', 'model', 'prompt_tokens', 'region', 'model']);
    expect(problem?.field).toBe('prompt_tokens');
    expect(problem?.message).toContain('columns are not fields of the event format: "prompt_tokens" (use input_tokens');
    expect(problem?.message).toContain('), "region"; and "model" is named twice.');
  });
});
