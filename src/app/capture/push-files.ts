import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { parseEventRecord } from '../../core/events/parse-event-record.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { RejectedRecord } from '../../ingest/convert-lines.js';
import { emptyTotals, type IngestTotals } from '../../ingest/ingest-totals.js';
import { lineChunks } from '../../ingest/line-chunks.js';
import { openInput } from '../../ingest/open-input.js';
import { detectingRecordReader } from '../../ingest/record-reader.js';
import { RejectFile } from '../../ingest/reject-file.js';

const gzipAsync = promisify(gzip);

/** How much one POST /v1/events may carry, as the server says on /healthz (or the defaults every server has kept). */
export interface PushLimits {
  maxItems: number;
  maxBodyBytes: number;
  maxDecodedBytes: number;
}

/** What unitcost serve accepts unless started otherwise; a server that says its own limits on /healthz overrides them. */
export const defaultPushLimits: PushLimits = { maxItems: 10_000, maxBodyBytes: 16 * 1024 * 1024, maxDecodedBytes: 64 * 1024 * 1024 };

export interface PushOptions {
  /** The server's base URL, e.g. http://127.0.0.1:8787. */
  server: string;
  /** Sent as a bearer token; never printed. */
  apiKey?: string | undefined;
  /** Records per request, at most the server's own limit (default 1,000). */
  batchSize?: number;
  /** Requests in flight at once (default 4): the server commits concurrent batches together. */
  concurrency?: number;
  /** Attempts per batch before it is given up and reported (default 6). */
  maxAttempts?: number;
  /** Where refused lines go, as ingest writes them; none when undefined. */
  rejectsPath?: string | undefined;
  /** Milliseconds of the first retry's wait; doubled each time, capped at 30 s. Tests pass a small one. */
  retryBaseMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A batch that was not stored after every attempt: which lines to send again. */
export interface FailedBatch {
  file: string;
  firstLine: number;
  lastLine: number;
  records: number;
  reason: string;
}

export interface PushProgress {
  file: string;
  bytesRead: number;
  totalBytes: number | undefined;
  sent: number;
  totals: IngestTotals;
  elapsedMs: number;
}

export interface PushResult {
  server: string;
  inputs: Array<{ path: string; totals: IngestTotals }>;
  totals: IngestTotals;
  /** Requests sent again after a 429, a 5xx or a network error. */
  retries: number;
  requests: number;
  failedBatches: FailedBatch[];
  rejectsPath: string | undefined;
}

interface PendingRecord {
  line: number;
  json: string;
}

interface ServerItemResult {
  index: number;
  status: 'accepted' | 'rejected';
  duplicate?: true;
  errors?: Array<{ field: string; message: string }>;
}

/**
 * Sends files of events to a running unitcost server: each line is read and checked here with the same
 * parser the server uses, so a bad line is reported with its file and line without a round trip; the good
 * ones go in batches under the server's limits, gzipped, a few requests at a time, retried with backoff on
 * 429, 5xx and network errors (the server's records are idempotent by id, so a retried batch stores nothing
 * twice). A batch that still fails is reported with its line range, never dropped silently.
 */
export async function pushFiles(files: readonly string[], options: PushOptions, onProgress?: (progress: PushProgress) => void): Promise<PushResult> {
  const server = options.server.replace(/\/+$/, '');
  const call = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const limits = await readServerLimits(server, call);
  const batchSize = Math.min(options.batchSize ?? 1_000, limits.maxItems);
  const concurrency = options.concurrency ?? 4;
  const maxAttempts = options.maxAttempts ?? 6;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  const rejectFile = options.rejectsPath === undefined ? undefined : new RejectFile(options.rejectsPath);
  const result: PushResult = { server, inputs: [], totals: emptyTotals(), retries: 0, requests: 0, failedBatches: [], rejectsPath: undefined };
  const startedMs = now();

  try {
    for (const path of files) {
      const totals = emptyTotals();
      const input = await openInput(path);
      const reader = detectingRecordReader();
      const inFlight = new Set<Promise<void>>();
      let sent = 0;
      let batch: PendingRecord[] = [];
      let batchBytes = 0;
      const report = (): void =>
        onProgress?.({ file: input.name, bytesRead: input.bytesRead(), totalBytes: input.totalBytes, sent, totals, elapsedMs: now() - startedMs });
      const refuse = async (rejects: RejectedRecord[]): Promise<void> => {
        totals.rejected += rejects.length;
        await rejectFile?.write(rejects);
      };

      const send = async (records: PendingRecord[]): Promise<void> => {
        const body = await gzipAsync(Buffer.from(records.map((record) => record.json).join('\n')));
        let reason = '';
        for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
          if (attempt > 1) result.retries += 1;
          result.requests += 1;
          let response: Response;
          try {
            response = await call(`${server}/v1/events`, { method: 'POST', headers, body });
          } catch (error) {
            reason = `cannot reach ${server}: ${networkReason(error)}`;
            await sleep(backoff(retryBaseMs, attempt));
            continue;
          }
          if (response.status === 429 || response.status >= 500) {
            reason = `the server answered ${response.status}${await errorMessage(response)}`;
            await sleep(retryAfterMs(response) ?? backoff(retryBaseMs, attempt));
            continue;
          }
          if (response.status === 401 || response.status === 403) {
            throw new UnitcostError('invalid_argument', `${server} refused the key (${response.status})${await errorMessage(response)}: pass a key with scope ingest in $UNITCOST_API_KEY or --api-key-env`, { field: 'api_key' });
          }
          if (response.status !== 200 && response.status !== 400) {
            // A 413 or 415 would fail again as it is: the batch is reported, with its lines, for the user to resend.
            reason = `the server answered ${response.status}${await errorMessage(response)}`;
            break;
          }
          const answer = (await response.json().catch(() => null)) as { results?: ServerItemResult[] } | null;
          if (answer === null || !Array.isArray(answer.results)) {
            reason = `the server answered ${response.status} without a result per record`;
            break;
          }
          const rejects: RejectedRecord[] = [];
          for (const item of answer.results) {
            const record = records[item.index];
            if (record === undefined) continue;
            if (item.status === 'accepted') {
              if (item.duplicate) totals.duplicates += 1;
              else totals.accepted += 1;
              continue;
            }
            // The server's refusals (a conflict with a stored id included) go where local ones go, with their line.
            const errors = item.errors ?? [{ field: '', message: 'refused by the server' }];
            rejects.push({ source: `${input.name}:${record.line}`, field: errors[0]!.field, reason: errors[0]!.message, errors });
          }
          await refuse(rejects);
          sent += records.length;
          report();
          return;
        }
        result.failedBatches.push({ file: input.name, firstLine: records[0]!.line, lastLine: records.at(-1)!.line, records: records.length, reason });
      };

      const dispatch = async (): Promise<void> => {
        if (batch.length === 0) return;
        const records = batch;
        batch = [];
        batchBytes = 0;
        const task: Promise<void> = send(records).finally(() => inFlight.delete(task));
        inFlight.add(task);
        // Bounded concurrency: the reading waits, so a large file never sits in memory as pending requests.
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
      };

      let lineNumber = 0;
      let unreadable = false;
      for await (const lines of lineChunks(input.chunks)) {
        const rejects: RejectedRecord[] = [];
        for (const line of lines) {
          lineNumber += 1;
          totals.lines += 1;
          const read = reader.read(line);
          if (read.ok === 'skip' || read.ok === 'pending') continue;
          if (read.ok === 'unreadable') {
            // A CSV header naming no field of ours condemns the file once, not line by line; the other files still go.
            rejects.push({ source: `${input.name}:${lineNumber}`, field: read.field, reason: read.message, errors: [{ field: read.field, message: read.message }] });
            unreadable = true;
            break;
          }
          if (read.ok === false) {
            rejects.push({ source: `${input.name}:${lineNumber}`, field: read.field, reason: read.message, errors: [{ field: read.field, message: read.message }] });
            continue;
          }
          // Checked here with the server's own parser: a bad line is named by file and line without a round trip.
          const parsed = parseEventRecord(read.value, { nowMs: now() });
          if (!parsed.ok) {
            const first = parsed.errors[0]!;
            rejects.push({ source: `${input.name}:${lineNumber}`, field: first.field, reason: first.message, errors: parsed.errors });
            continue;
          }
          const json = JSON.stringify(read.value);
          // The body's size is bounded too: a few huge records can pass the server's byte limit before its item limit.
          if (batch.length > 0 && (batch.length >= batchSize || batchBytes + json.length + 1 > limits.maxDecodedBytes / 2)) await dispatch();
          batch.push({ line: lineNumber, json });
          batchBytes += json.length + 1;
        }
        await refuse(rejects);
        report();
        if (unreadable) break;
      }
      const last = unreadable ? undefined : reader.finish();
      if (last !== undefined && last.ok === false) await refuse([{ source: `${input.name}:${lineNumber}`, field: last.field, reason: last.message, errors: [{ field: last.field, message: last.message }] }]);
      await dispatch();
      await Promise.all(inFlight);
      report();
      result.inputs.push({ path, totals });
      for (const key of Object.keys(totals) as Array<keyof IngestTotals>) result.totals[key] += totals[key];
    }
  } finally {
    await rejectFile?.close();
  }
  result.rejectsPath = rejectFile !== undefined && rejectFile.count > 0 ? rejectFile.path : undefined;
  return result;
}

/** The server's limits from /healthz; an older server that does not say them gets the defaults every server has kept. */
async function readServerLimits(server: string, call: typeof fetch): Promise<PushLimits> {
  let response: Response;
  try {
    response = await call(`${server}/healthz`);
  } catch (error) {
    throw new UnitcostError('invalid_argument', `cannot reach a unitcost server at ${server}: ${networkReason(error)}; start one with \`unitcost serve\` or pass --server URL`, { field: '--server' });
  }
  if (!response.ok) throw new UnitcostError('invalid_argument', `${server}/healthz answered ${response.status}: is this a unitcost server?`, { field: '--server' });
  const body = (await response.json().catch(() => null)) as { limits?: { events?: Partial<Record<'max_items' | 'max_body_bytes' | 'max_decoded_bytes', number>> } } | null;
  const events = body?.limits?.events;
  return {
    maxItems: events?.max_items ?? defaultPushLimits.maxItems,
    maxBodyBytes: events?.max_body_bytes ?? defaultPushLimits.maxBodyBytes,
    maxDecodedBytes: events?.max_decoded_bytes ?? defaultPushLimits.maxDecodedBytes,
  };
}

function backoff(baseMs: number, attempt: number): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 30_000);
}

function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 60_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(date - Date.now(), 0), 60_000);
}

async function errorMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: unknown } } | null;
  return typeof body?.error?.message === 'string' ? `: ${body.error.message}` : '';
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
