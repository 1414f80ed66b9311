import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/*
 * The intake log: posted batches made durable before they are in the store. A server's records used to be
 * acknowledged only once DuckDB had committed them, in groups of a few thousand, one group at a time; each commit
 * paid ~30–70 ms whatever its size, and every 122,880 calls a checkpoint stopped all of them for most of a second
 * (BENCHMARKS.md, "what bounds HTTP ingest"). A batch appended here and synced to disk is as durable as a commit,
 * so its request is answered then, and the store loads many such batches in one commit. Until a load commits,
 * the batches stay here; a server that stops before then loads them when it starts again.
 *
 * Layout: a directory of segments, one per load, named by a rising number. A segment is a sequence of frames:
 * length (u32 LE) | CRC-32 of the payload (u32 LE) | payload; the payload is one line of JSON (the entry's
 * metadata) then the body's bytes. A frame is written whole before its request is answered, so a frame cut short,
 * or one whose CRC does not match, can only be the last and never acknowledged: reading stops there.
 */

/** One posted batch as it was received: enough to convert it again exactly as it was (its time and source). */
export interface IntakeEntry {
  /** The server's clock when the batch was received: the records' default time. */
  nowMs: number;
  source: string;
  format: 'json' | 'ndjson';
  maxItems: number;
  bytes: Uint8Array;
}

/** A segment found when the log opened: its entries, in the order they were acknowledged. */
export interface RecoveredSegment {
  path: string;
  entries: IntakeEntry[];
  /** Bytes after the last whole frame: a write the server did not finish, so never acknowledged. */
  tornBytes: number;
}

const frameHeaderBytes = 8;
const segmentSuffix = '.log';

/** Segments of a log directory, oldest first, and the next number to use. */
async function segmentFiles(directory: string): Promise<{ files: string[]; next: number }> {
  const names = (await readdir(directory)).filter((name) => /^\d{10}\.log$/.test(name)).sort();
  const last = names.at(-1);
  return { files: names.map((name) => join(directory, name)), next: last === undefined ? 1 : Number(last.slice(0, 10)) + 1 };
}

/** The entries of one segment file, up to its first incomplete or corrupt frame. */
export async function readIntakeSegment(path: string): Promise<RecoveredSegment> {
  const data = await readFile(path);
  const entries: IntakeEntry[] = [];
  let offset = 0;
  while (offset + frameHeaderBytes <= data.length) {
    const length = data.readUInt32LE(offset);
    const checksum = data.readUInt32LE(offset + 4);
    const start = offset + frameHeaderBytes;
    if (start + length > data.length) break;
    const payload = data.subarray(start, start + length);
    if (crc32(payload) !== checksum) break;
    const newline = payload.indexOf(0x0a);
    if (newline === -1) break;
    const meta = JSON.parse(payload.subarray(0, newline).toString('utf8')) as Omit<IntakeEntry, 'bytes'>;
    entries.push({ ...meta, bytes: payload.subarray(newline + 1) });
    offset = start + length;
  }
  return { path, entries, tornBytes: data.length - offset };
}

/** An intake log directory: segments to recover when it opened, and new segments to write. */
export class IntakeLog {
  private constructor(
    readonly directory: string,
    private next: number,
  ) {}

  /** Opens (creating it if needed) the log in directory, and reads the segments a previous server left there. */
  static async open(directory: string): Promise<{ log: IntakeLog; recovered: RecoveredSegment[] }> {
    await mkdir(directory, { recursive: true });
    const { files, next } = await segmentFiles(directory);
    const recovered: RecoveredSegment[] = [];
    for (const file of files) recovered.push(await readIntakeSegment(file));
    return { log: new IntakeLog(directory, next), recovered };
  }

  /** A new segment, for the batches of one load; its file is created on its first append. */
  beginSegment(): IntakeSegment {
    const number = this.next;
    this.next += 1;
    return new IntakeSegment(join(this.directory, `${String(number).padStart(10, '0')}${segmentSuffix}`), this.directory);
  }

  /** Moves a segment that could not be loaded aside (same name, ".failed"), where a restart does not load it again. */
  static async setAside(path: string): Promise<string> {
    const aside = `${path}.failed`;
    await rename(path, aside);
    return aside;
  }

  /** Removes a segment once what it holds is stored. */
  static async remove(path: string): Promise<void> {
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

interface PendingFrame {
  parts: Buffer[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * One segment being written. Appends that arrive while a sync runs are written and synced together by the next
 * (group commit): a sync costs ~1–5 ms on this machine whatever it carries.
 */
export class IntakeSegment {
  private handle: Promise<FileHandle> | undefined;
  private waiting: PendingFrame[] = [];
  private writing: Promise<void> | undefined;
  private failure: unknown;
  /** Entries appended (acknowledged or not yet). */
  entries = 0;

  constructor(
    readonly path: string,
    private readonly directory: string,
  ) {}

  /** Appends an entry; resolves once it is on disk (written and synced). */
  append(entry: IntakeEntry): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const { bytes, ...meta } = entry;
    const head = Buffer.from(`${JSON.stringify(meta)}\n`, 'utf8');
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const frame = Buffer.allocUnsafe(frameHeaderBytes);
    frame.writeUInt32LE(head.length + body.length, 0);
    frame.writeUInt32LE(crc32(body, crc32(head)), 4);
    this.entries += 1;
    return new Promise((resolve, reject) => {
      this.waiting.push({ parts: [frame, head, body], resolve, reject });
      this.writing ??= this.writeWaiting();
    });
  }

  /** Resolves once every append so far is on disk or failed; closes the file. */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.handle) await (await this.handle.catch(() => undefined))?.close().catch(() => undefined);
    this.handle = undefined;
  }

  private async writeWaiting(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const frames = this.waiting.splice(0);
        try {
          const file = await this.file();
          // writev takes at most IOV_MAX (1,024) buffers a call.
          const parts = frames.flatMap((frame) => frame.parts);
          for (let first = 0; first < parts.length; first += 1020) await file.writev(parts.slice(first, first + 1020));
          await file.datasync();
          for (const frame of frames) frame.resolve();
        } catch (error) {
          // A segment that failed a write is not trusted with more: what follows would sit after a torn frame.
          this.failure = error;
          for (const frame of [...frames, ...this.waiting.splice(0)]) frame.reject(error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private file(): Promise<FileHandle> {
    this.handle ??= (async () => {
      const file = await open(this.path, 'a');
      // The new file's name must be durable too, before anything in it is acknowledged.
      const directory = await open(this.directory, 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
      return file;
    })();
    return this.handle;
  }
}
