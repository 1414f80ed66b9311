import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { importTools, type ImportTool, type RowMapper } from '../../core/capture/importers/import-mapping.js';
import { rowMappers } from '../../core/capture/importers/row-mappers.js';
import { parseEventRecord, type FieldError } from '../../core/events/parse-event-record.js';
import { toStoredRow, type RowContext } from '../../core/events/to-stored-row.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { RejectedRecord } from '../../ingest/convert-lines.js';
import { hashContent } from '../../ingest/hash-content.js';
import { readExportFile, type ExportRow } from '../../ingest/importers/read-export-file.js';
import { addTotals, emptyTotals, type IngestTotals } from '../../ingest/ingest-totals.js';
import { RejectFile } from '../../ingest/reject-file.js';
import type { EventWriter } from '../../store/event-writer.js';
import type { StoredPriceRow, StoredUsageRow } from '../../store/stored-rows.js';
import type { App } from '../create-app.js';

/** What an import did: ingest's totals, plus the rows that were rightly not calls. */
export interface ImportTotals extends IngestTotals {
  /** Rows that are not model calls (spans, tool calls, rows without tokens): not stored, not rejected. */
  skipped: number;
}

/** Where an import of one file stands; reported after each commit, so its counts are durable. */
export interface ImportProgress {
  input: string;
  bytesRead: number;
  totalBytes: number | undefined;
  totals: ImportTotals;
}

/** How to import. */
export interface ImportOptions {
  /** Where rejected rows go; default <first input>.rejects.jsonl (stdin.rejects.jsonl for "-"). */
  rejects?: string;
  /** Calls per transaction; default 10,000. */
  batchSize?: number;
  /** Stops after the batch in progress is committed. */
  signal?: AbortSignal;
  /** The stream "-" reads; default process.stdin. */
  stdin?: Readable;
}

/** What an import did, per file and in all, and why rows were skipped. */
export interface ImportResult {
  tool: ImportTool;
  inputs: Array<{ path: string; totals: ImportTotals }>;
  totals: ImportTotals;
  /** How many rows were skipped for each reason. */
  skipped: Record<string, number>;
  /** The reject file, when anything was rejected. */
  rejectsPath: string | undefined;
  interrupted: boolean;
}

// An export is read row by row and mapped in JavaScript, so batches are cut smaller than ingest's row
// groups: a commit every 10,000 calls keeps memory flat and progress frequent.
const defaultImportBatchSize = 10_000;

/**
 * Imports exports of another tool (LiteLLM spend logs, Langfuse observations, Helicone requests) into the
 * store. Each row is mapped by the tool's pure mapper (core/capture/importers), then validated, priced and
 * stored exactly as `ingest` stores events: ids are the vendor's, so importing a file again stores
 * nothing new, and refused rows go to the same reject file with file:line, the vendor's field and why.
 */
export async function importFiles(
  app: App,
  store: EventWriter,
  tool: string,
  paths: string[],
  options: ImportOptions = {},
  onProgress?: (progress: ImportProgress) => void,
): Promise<ImportResult> {
  if (!(importTools as readonly string[]).includes(tool)) {
    throw new UnitcostError('invalid_argument', `cannot import from "${tool}": choose one of ${importTools.join(', ')}`, { field: 'tool', suggestions: [...importTools] });
  }
  if (paths.length === 0) throw new UnitcostError('invalid_argument', 'name at least one export file to import, or - for stdin', { field: 'file' });
  if (paths.filter((path) => path === '-').length > 1) throw new UnitcostError('invalid_argument', 'stdin (-) can be read only once', { field: 'file' });
  const batchSize = options.batchSize ?? defaultImportBatchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new UnitcostError('invalid_argument', `--batch-size must be a positive whole number, got ${batchSize}`, { field: 'batch-size' });
  const mapRow = rowMappers[tool as ImportTool];
  const rejectsPath = resolve(options.rejects ?? `${paths[0] === '-' ? 'stdin' : paths[0]}.rejects.jsonl`);
  const rejects = new RejectFile(rejectsPath);
  const context = { catalog: app.catalog, hashContent };
  const nowMs = app.now().getTime();
  const result: ImportResult = { tool: tool as ImportTool, inputs: [], totals: emptyImportTotals(), skipped: {}, rejectsPath: undefined, interrupted: false };

  try {
    for (const path of paths) {
      const file = await readExportFile(path, options.stdin);
      const totals = emptyImportTotals();
      let usage: StoredUsageRow[] = [];
      let prices = new Map<string, StoredPriceRow>();
      const commit = async (): Promise<void> => {
        if (usage.length === 0) return;
        const outcome = await store.appendBatch({ usage, prices: [...prices.values()] });
        const conflicts: RejectedRecord[] = outcome.usage.conflicts.map((conflict) => rejected(conflict.source ?? '', [{ field: 'id', message: conflict.reason }]));
        await rejects.write(conflicts);
        totals.accepted += outcome.usage.inserted;
        totals.acceptedCalls += outcome.usage.inserted;
        totals.duplicates += outcome.usage.duplicates;
        totals.conflicts += conflicts.length;
        usage = [];
        prices = new Map();
        totals.lines = file.linesRead();
        onProgress?.({ input: file.name, bytesRead: file.bytesRead(), totalBytes: file.totalBytes, totals: { ...totals } });
      };
      let refused: RejectedRecord[] = [];
      const flushRefused = async (): Promise<void> => {
        totals.rejected += refused.length;
        await rejects.write(refused);
        refused = [];
      };
      for await (const rows of file.rows) {
        for (const item of rows) {
          const converted = convertRow(item, file.name, mapRow, context, nowMs);
          if (converted.kind === 'refused') {
            refused.push(converted.reject);
            continue;
          }
          if (converted.kind === 'skipped') {
            totals.skipped += 1;
            result.skipped[converted.reason] = (result.skipped[converted.reason] ?? 0) + 1;
            continue;
          }
          usage.push(converted.row);
          if (converted.price === null) totals.unpriced += 1;
          else if (!prices.has(converted.price.priceId)) prices.set(converted.price.priceId, converted.price);
          if (usage.length >= batchSize) {
            await flushRefused();
            await commit();
            if (options.signal?.aborted) {
              result.interrupted = true;
              break;
            }
          }
        }
        await flushRefused();
        if (result.interrupted) break;
      }
      if (!result.interrupted) await commit();
      totals.lines = file.linesRead();
      result.inputs.push({ path, totals });
      // addTotals sums every key of its first argument, skipped included.
      addTotals(result.totals, totals);
      if (result.interrupted) break;
    }
  } finally {
    await rejects.close();
  }
  if (rejects.count > 0) result.rejectsPath = rejectsPath;
  return result;
}

/** One export row mapped, validated and priced: a usage row, a skip, or a refusal with file:line. */
type ConvertedRow =
  | { kind: 'usage'; row: StoredUsageRow; price: StoredPriceRow | null }
  | { kind: 'skipped'; reason: string }
  | { kind: 'refused'; reject: RejectedRecord };

function convertRow(item: ExportRow, fileName: string, mapRow: RowMapper, context: RowContext, nowMs: number): ConvertedRow {
  const source = `${fileName}:${item.line}`;
  if ('error' in item) return { kind: 'refused', reject: rejected(source, [item.error]) };
  const mapped = mapRow(item.row);
  if (mapped.ok === 'skip') return { kind: 'skipped', reason: mapped.reason };
  if (mapped.ok === false) return { kind: 'refused', reject: rejected(source, mapped.errors) };
  const parsed = parseEventRecord(mapped.record, { nowMs });
  if (!parsed.ok) return { kind: 'refused', reject: rejected(source, inVendorTerms(parsed.errors, mapped.origins)) };
  const stored = toStoredRow(parsed.record, context, source);
  if (!stored.ok) return { kind: 'refused', reject: rejected(source, inVendorTerms(stored.errors, mapped.origins)) };
  // Mappers only write usage events; anything else would be a mapper's bug.
  if (stored.type !== 'usage') return { kind: 'refused', reject: rejected(source, [{ field: 'type', message: 'an import row must map to a usage event' }]) };
  return { kind: 'usage', row: stored.row, price: stored.price };
}

function emptyImportTotals(): ImportTotals {
  return { ...emptyTotals(), skipped: 0 };
}

function rejected(source: string, errors: FieldError[]): RejectedRecord {
  const first = errors[0] ?? { field: '', message: 'is not a valid row' };
  return { source, field: first.field, reason: first.message, errors };
}

/** Names a refusal by the vendor's field when the event field came from one: the user fixes their export, not our format. */
function inVendorTerms(errors: FieldError[], origins: Record<string, string>): FieldError[] {
  return errors.map((error) => {
    const origin = origins[error.field];
    return origin === undefined ? error : { field: origin, message: `${error.message} (read as unitcost's ${error.field})` };
  });
}
