import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CaptureError, report, warnCaptureProblem, type CapturedEvent, type UsageSink } from '../capture-options.js';

/** Options of a JSONL file sink. */
export interface JsonlFileSinkOptions {
  /** Lines held in memory at most while the disk is slow; beyond it the oldest are dropped. Default 100,000. */
  maxQueue?: number;
  /** Told about a failed write or dropped lines; defaults to a process warning, so losses are not silent. */
  onError?: (error: unknown) => void;
}

/**
 * A sink that appends one event a line to a local file, in the format `unitcost ingest` reads. write()
 * only serializes and queues; the lines are appended in order, a batch per disk write, and flush() or
 * close() resolve once they are on disk. The parent folder is created if missing. What is queued is
 * written when the process is about to exit (`beforeExit`).
 */
export function jsonlFileSink(path: string, options: JsonlFileSinkOptions = {}): UsageSink {
  const maxQueue = Math.max(1, options.maxQueue ?? 100_000);
  const onError = options.onError ?? warnCaptureProblem;
  let lines: string[] = [];
  let dropped = 0;
  let writing: Promise<void> | undefined;
  let scheduled = false;
  let closed = false;
  let folderReady: Promise<unknown> | undefined;

  function write(event: CapturedEvent): void {
    if (closed) {
      report({ onError }, new CaptureError(`JSONL sink for ${path} is closed: an event written after close() was dropped`));
      return;
    }
    lines.push(JSON.stringify(event));
    if (lines.length > maxQueue) {
      lines.shift();
      dropped += 1;
    }
    if (!scheduled && writing === undefined) {
      scheduled = true;
      // Deferred past the caller's own work, so that a burst of calls becomes one disk write.
      setImmediate(() => {
        scheduled = false;
        void drain();
      }).unref();
    }
  }

  function drain(): Promise<void> {
    if (writing !== undefined) return writing;
    writing = (async () => {
      try {
        folderReady ??= mkdir(dirname(path), { recursive: true });
        await folderReady;
        while (lines.length > 0) {
          const batch = lines;
          lines = [];
          if (dropped > 0) {
            report({ onError }, new CaptureError(`JSONL sink for ${path} fell behind: dropped the ${dropped} oldest events`));
            dropped = 0;
          }
          try {
            await appendFile(path, `${batch.join('\n')}\n`, 'utf8');
          } catch (error) {
            report({ onError }, new CaptureError(`could not append ${batch.length} events to ${path}: ${(error as Error).message}`, { cause: error }));
          }
        }
      } catch (error) {
        folderReady = undefined;
        report({ onError }, new CaptureError(`could not create the folder of ${path}: ${(error as Error).message}`, { cause: error }));
        lines = [];
      } finally {
        writing = undefined;
      }
    })();
    return writing;
  }

  async function flush(): Promise<void> {
    while (writing !== undefined || lines.length > 0) await drain();
  }

  const onBeforeExit = (): void => {
    if (lines.length > 0) void flush();
  };
  process.on('beforeExit', onBeforeExit);

  return {
    write,
    flush,
    async close() {
      if (closed) return;
      closed = true;
      process.off('beforeExit', onBeforeExit);
      await flush();
    },
  };
}
