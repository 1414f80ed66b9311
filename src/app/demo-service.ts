import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { generateDemoEvents, type DemoOptions } from '../core/demo/generate-demo-events.js';
import { parseEventRecord } from '../core/events/parse-event-record.js';
import { toStoredRow, type RowContext } from '../core/events/to-stored-row.js';
import type { StoredPriceRow } from '../core/events/event-rows.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { hashContent } from '../ingest/hash-content.js';
import type { EventBatch, EventWriter } from '../store/event-writer.js';
import type { App } from './create-app.js';

export type { DemoOptions } from '../core/demo/generate-demo-events.js';
export { demoPlans } from '../core/demo/demo-plans.js';

/** How far a demo run has come. */
export interface DemoProgress {
  records: number;
  total: number;
}

/** What a demo run made, by kind of record. */
export interface DemoCounts {
  records: number;
  usageEvents: number;
  outcomes: number;
  revenue: number;
}

/** What writing the demo to a file did. */
export interface DemoFileResult extends DemoCounts {
  path: string;
  bytes: number;
  fromMs: number;
  toMs: number;
}

/** What filling a store with the demo did. */
export interface DemoStoreResult extends DemoCounts {
  fromMs: number;
  toMs: number;
  /** Records newly stored. */
  inserted: number;
  /** Records already stored with the same content: the same demo was loaded before. */
  duplicates: number;
  /** Records whose id the store holds with other content: a demo of the same seed but another end date. */
  conflicts: number;
  /** Calls of the demo's unknown model, stored without a cost. */
  unpriced: number;
}

const batchSize = 50_000;
const linesPerWrite = 2_000;

/**
 * Where demo traffic ends when no date is given: the start of today (UTC). Anchoring to the day rather
 * than to the second makes a second `unitcost demo` the same day a harmless re-load (all duplicates).
 */
export function defaultDemoEndMs(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/** Checks the demo's options, so a bad flag fails before any work. */
export function checkDemoOptions(options: DemoOptions): void {
  if (!Number.isSafeInteger(options.events) || options.events < 1) {
    throw new UnitcostError('invalid_argument', `--events must be a positive whole number, got ${options.events}`, { field: 'events' });
  }
  if (!Number.isFinite(options.days) || options.days <= 0 || options.days > 3_660) {
    throw new UnitcostError('invalid_argument', `--days must be a number of days between 0 and 3660, got ${options.days}`, { field: 'days' });
  }
  if (!Number.isSafeInteger(options.seed)) throw new UnitcostError('invalid_argument', `--seed must be a whole number, got ${options.seed}`, { field: 'seed' });
}

/** Writes demo traffic as JSONL, one record per line, streamed: ten million records take no more memory than ten. */
export async function writeDemoJsonl(path: string, options: DemoOptions, onProgress?: (progress: DemoProgress) => void): Promise<DemoFileResult> {
  checkDemoOptions(options);
  const fullPath = resolve(path);
  const output = createWriteStream(fullPath);
  const failed = new Promise<never>((_, reject) => output.once('error', reject));
  failed.catch(() => undefined);
  const counts = emptyCounts();
  let bytes = 0;
  let lines: string[] = [];
  const flush = async (): Promise<void> => {
    const chunk = `${lines.join('\n')}\n`;
    lines = [];
    bytes += Buffer.byteLength(chunk);
    if (!output.write(chunk)) await Promise.race([once(output, 'drain'), failed]);
    onProgress?.({ records: counts.records, total: options.events });
  };
  try {
    for (const record of generateDemoEvents(options)) {
      count(counts, record);
      lines.push(JSON.stringify(record));
      if (lines.length === linesPerWrite) await flush();
    }
    if (lines.length > 0) await flush();
    output.end();
    await Promise.race([once(output, 'finish'), failed]);
  } catch (error) {
    output.destroy();
    throw new UnitcostError('internal', `could not write ${fullPath}: ${error instanceof Error ? error.message : String(error)}`, { file: fullPath }, { cause: error });
  }
  return { path: fullPath, bytes, ...counts, ...range(options) };
}

/**
 * Fills a store with demo traffic, validated and priced exactly as `unitcost ingest` does, in batches of
 * 50,000 records (one transaction each; the next batch is priced while the previous one commits).
 * Loading the same demo again changes nothing.
 */
export async function fillStoreWithDemo(app: App, store: EventWriter, options: DemoOptions, onProgress?: (progress: DemoProgress) => void): Promise<DemoStoreResult> {
  checkDemoOptions(options);
  const context: RowContext = { catalog: app.catalog, hashContent };
  const nowMs = app.now().getTime();
  const result: DemoStoreResult = { ...emptyCounts(), ...range(options), inserted: 0, duplicates: 0, conflicts: 0, unpriced: 0 };
  let batch = emptyBatch();
  let prices = new Map<string, StoredPriceRow>();
  let inFlight: Promise<void> | undefined;

  const commit = async (ready: Required<EventBatch>, records: number): Promise<void> => {
    const outcome = await store.appendBatch(ready);
    for (const kind of [outcome.usage, outcome.outcomes, outcome.revenue]) {
      result.inserted += kind.inserted;
      result.duplicates += kind.duplicates;
      result.conflicts += kind.conflicts.length;
    }
    onProgress?.({ records, total: options.events });
  };
  const send = async (): Promise<void> => {
    batch.prices = [...prices.values()];
    const ready = batch;
    batch = emptyBatch();
    prices = new Map();
    if (inFlight) await inFlight;
    inFlight = commit(ready, result.records);
    // Awaited before the next batch; until then a failure must not count as unhandled.
    inFlight.catch(() => undefined);
  };

  for (const record of generateDemoEvents(options)) {
    count(result, record);
    const parsed = parseEventRecord(record, { nowMs });
    const converted = parsed.ok ? toStoredRow(parsed.record, context, 'demo') : parsed;
    if (!converted.ok) {
      // The demo's own records are checked by its tests; one failing here is a bug, not bad input.
      throw new UnitcostError('internal', `the demo made a record unitcost refuses: ${JSON.stringify(record)}: ${JSON.stringify(converted.errors)}`);
    }
    if (converted.type === 'usage') {
      batch.usage.push(converted.row);
      if (converted.price === null) result.unpriced += 1;
      else if (!prices.has(converted.price.priceId)) prices.set(converted.price.priceId, converted.price);
    } else if (converted.type === 'outcome') {
      batch.outcomes.push(converted.row);
    } else {
      batch.revenue.push(converted.row);
    }
    if (batch.usage.length + batch.outcomes.length + batch.revenue.length === batchSize) await send();
  }
  if (batch.usage.length + batch.outcomes.length + batch.revenue.length > 0) await send();
  if (inFlight) await inFlight;
  return result;
}

function emptyBatch(): Required<EventBatch> {
  return { usage: [], outcomes: [], revenue: [], prices: [] };
}

function emptyCounts(): DemoCounts {
  return { records: 0, usageEvents: 0, outcomes: 0, revenue: 0 };
}

function count(counts: DemoCounts, record: { type?: string }): void {
  counts.records += 1;
  if (record.type === 'outcome') counts.outcomes += 1;
  else if (record.type === 'revenue') counts.revenue += 1;
  else counts.usageEvents += 1;
}

function range(options: DemoOptions): { fromMs: number; toMs: number } {
  return { fromMs: options.endMs - options.days * 86_400_000, toMs: options.endMs };
}
