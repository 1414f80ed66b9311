import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines, yielded a chunk's worth at a time (one array per input chunk, not a
 * promise per line). UTF-8 characters cut between chunks are decoded whole; a trailing "\r" is dropped;
 * the last line needs no newline.
 */
export async function* lineChunks(chunks: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of chunks) {
    const text = pending + decoder.write(chunk);
    const lines = text.split('\n');
    pending = lines.pop()!;
    if (lines.length > 0) yield stripCarriageReturns(lines);
  }
  const rest = pending + decoder.end();
  if (rest.length > 0) yield stripCarriageReturns([rest]);
}

function stripCarriageReturns(lines: string[]): string[] {
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.charCodeAt(line.length - 1) === 13) lines[index] = line.slice(0, -1);
  }
  return lines;
}
