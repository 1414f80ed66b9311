import { describe, expect, it } from 'vitest';
import { lineChunks } from './line-chunks.js';

async function linesOf(chunks: Buffer[]): Promise<string[]> {
  const lines: string[] = [];
  for await (const chunk of lineChunks((async function* () { yield* chunks; })())) lines.push(...chunk);
  return lines;
}

describe('lineChunks', () => {
  it('joins lines cut between chunks and keeps a last line without a newline', async () => {
    expect(await linesOf([Buffer.from('{"a":1}\n{"b"'), Buffer.from(':2}\n{"c":3}')])).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('decodes a UTF-8 character split between chunks and drops carriage returns', async () => {
    const bytes = Buffer.from('café\r\nnaïve\n');
    expect(await linesOf([bytes.subarray(0, 4), bytes.subarray(4)])).toEqual(['café', 'naïve']);
  });
});
