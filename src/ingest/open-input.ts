import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UnitcostError } from '../core/unitcost-error.js';

/** An input opened for reading: its bytes (gunzipped when needed) and how far through the raw input the reader is. */
export interface OpenedInput {
  /** The name rejected lines are attributed to: the file's base name, or "stdin". */
  name: string;
  chunks: AsyncIterable<Buffer>;
  /** The raw (compressed, for gzip) size, when known: a file's size; undefined for stdin. */
  totalBytes: number | undefined;
  /** Raw bytes consumed so far, comparable to totalBytes. */
  bytesRead: () => number;
  gzipped: boolean;
}

/**
 * Opens a file, or stdin for "-", and gunzips it when its first two bytes are gzip's magic number (1f 8b),
 * whatever its name says. Reading is pulled by the consumer, so a slow store slows the reading down
 * instead of buffering the file in memory.
 */
export async function openInput(path: string, stdin: Readable = process.stdin): Promise<OpenedInput> {
  let raw: Readable;
  let totalBytes: number | undefined;
  if (path === '-') {
    raw = stdin;
  } else {
    try {
      const stats = statSync(path);
      if (!stats.isFile()) throw new Error('not a regular file');
      totalBytes = stats.size;
    } catch (error) {
      throw new UnitcostError('invalid_argument', `cannot read ${path}: ${(error as Error).message}`, { file: path });
    }
    raw = createReadStream(path, { highWaterMark: 1 << 20 });
  }
  let consumed = 0;
  const iterator = (raw as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  const firstChunk = first.done ? Buffer.alloc(0) : (first.value as Buffer);
  const gzipped = firstChunk.length >= 2 && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b;
  async function* counted(): AsyncGenerator<Buffer> {
    if (first.done) return;
    consumed += firstChunk.length;
    yield firstChunk;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      consumed += (next.value as Buffer).length;
      yield next.value as Buffer;
    }
  }
  let chunks: AsyncIterable<Buffer> = counted();
  if (gzipped) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    const source = counted();
    // Feed the gunzip stream by hand so its backpressure reaches the file reader.
    void (async () => {
      try {
        for await (const chunk of source) {
          if (!gunzip.write(chunk)) await new Promise((resolve) => gunzip.once('drain', resolve));
        }
        gunzip.end();
      } catch (error) {
        gunzip.destroy(error as Error);
      }
    })();
    chunks = gunzip;
  }
  return { name: path === '-' ? 'stdin' : basename(path), chunks, totalBytes, bytesRead: () => consumed, gzipped };
}
