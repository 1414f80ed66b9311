import { createWriteStream, type WriteStream } from 'node:fs';
import type { RejectedRecord } from './convert-lines.js';

/**
 * The reject file: one JSON object per refused line, {"source":"events.jsonl:12","field":"input_tokens",
 * "reason":"must not be negative","errors":[…]}. Created on the first reject (an ingest without rejects
 * leaves no file); written with backpressure, so a file of nothing but bad lines still runs in constant memory.
 */
export class RejectFile {
  private stream: WriteStream | undefined;
  private written = 0;

  constructor(readonly path: string) {}

  /** How many rejects have been written. */
  get count(): number {
    return this.written;
  }

  async write(rejects: readonly RejectedRecord[]): Promise<void> {
    if (rejects.length === 0) return;
    this.stream ??= createWriteStream(this.path, { flags: 'w' });
    const text = rejects.map((record) => JSON.stringify(record)).join('\n') + '\n';
    this.written += rejects.length;
    if (!this.stream.write(text)) await new Promise<void>((resolve) => this.stream!.once('drain', () => resolve()));
  }

  async close(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
