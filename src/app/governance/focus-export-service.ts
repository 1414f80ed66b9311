import { accessSync, constants, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { PriceCatalog } from '../../core/catalog/price-catalog.js';
import type { EventTagName } from '../../core/events/event-tags.js';
import { defaultFocusTagNames, parseFocusTagNames } from '../../core/governance/focus/focus-tags.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { FocusExporter, FocusExportOutcome } from '../../store/focus-exporter.js';
import type { App } from '../create-app.js';
import { missingStoreFile, openStore, streamingMemoryLimit } from '../open-store.js';
import { parseInstant } from '../parse-instant.js';
import { planFocusPriceRates } from './focus-price-rates.js';

/** `unitcost export focus` as flags: the window, and optionally the format, the file, the tags and the store. */
export interface FocusExportFlags {
  from: string;
  to: string;
  /** csv or parquet; default: parquet when --out ends in .parquet, else csv. */
  format?: string;
  out?: string;
  /** Comma-separated tag names for Tags; default feature, team, user_tier, environment. */
  tags?: string;
  db?: string;
}

/** What was written where, with the figures to check it by. */
export interface FocusExportResult extends FocusExportOutcome {
  path: string;
  format: 'csv' | 'parquet';
  from: string;
  to: string;
  tags: EventTagName[];
  seconds: number;
}

const formats = ['csv', 'parquet'] as const;

/**
 * Writes the FOCUS 1.2 file of the stored calls in [from, to): one row per day × model × token class × tag
 * set, costs after the config's discounts, list costs before them (see docs/focus.md). The rows are
 * summed and written by the store (DuckDB's COPY; ClickHouse's rows as the same CSV), to a temporary name first so that a failed export
 * never leaves half a file where the finished one was expected.
 */
export async function runFocusExport(app: App, flags: FocusExportFlags, progress: (message: string) => void = () => {}, clock: () => number = Date.now): Promise<FocusExportResult> {
  const from = parseInstant(flags.from, '--from');
  const to = parseInstant(flags.to, '--to');
  if (from.getTime() >= to.getTime()) {
    throw new UnitcostError('invalid_argument', `--from (${from.toISOString()}) must be before --to (${to.toISOString()}); --to is exclusive: --from 2026-11-01 --to 2026-12-01 is November`, { field: '--from' });
  }
  const tags = flags.tags === undefined ? [...defaultFocusTagNames] : parseFocusTagNames(flags.tags);
  const format = formatOf(flags);
  const path = resolve(flags.out ?? `focus-${flags.from.slice(0, 10)}-${flags.to.slice(0, 10)}.${format}`);
  checkWritable(path);
  const db = flags.db === undefined ? {} : { db: flags.db };
  // Opening a DuckDB file that does not exist would create an empty store and export nothing: say so instead.
  // A ClickHouse database (the config's backend, without --db) is never missing: a server may fill it any time.
  const missing = missingStoreFile(app, db);
  if (missing !== null) {
    throw new UnitcostError('not_found', `no store at ${missing}: run \`unitcost ingest FILE\` or \`unitcost demo\` first, or name one with --db`, { field: 'db' });
  }
  const started = clock();
  // One streaming pass: a capped buffer pool keeps the export's memory flat however many calls the window holds.
  const opened = await openStore(app, { ...db, memoryLimit: streamingMemoryLimit });
  try {
    progress(`exporting the calls from ${from.toISOString()} to ${to.toISOString()} to ${path}: finding their list and discounted prices`);
    const outcome = await writeFocusFile(app, opened, { from, to, tags, format, path }, progress);
    return { ...outcome, path, format, from: from.toISOString(), to: to.toISOString(), tags, seconds: (clock() - started) / 1000 };
  } finally {
    await opened.close();
  }
}

/** GET /v1/export/focus as typed: the window, and optionally the format (default csv) and the tags. */
export interface FocusDownloadFlags {
  from?: string;
  to?: string;
  format?: string;
  tags?: string;
}

/** A FOCUS file written for a download, in a directory of its own; `remove` deletes both once it is sent. */
export interface FocusDownloadFile extends FocusExportResult {
  /** The name to offer the browser: focus-<from>-<to>.<csv|parquet>, the CLI's default file name. */
  filename: string;
  remove(): void;
}

/**
 * The FOCUS export of `unitcost serve`: written with the server's own open store (its file is locked to any
 * other process) into a fresh temporary directory, for the route to stream and then remove.
 */
export async function focusDownloadOver(app: App, store: FocusExporter, flags: FocusDownloadFlags, clock: () => number = Date.now): Promise<FocusDownloadFile> {
  if (flags.from === undefined) throw new UnitcostError('invalid_argument', 'from is required: the first day of the export (2026-11-01), with to the first day after it', { field: 'from' });
  if (flags.to === undefined) throw new UnitcostError('invalid_argument', 'to is required: the first day after the export (2026-12-01 for November)', { field: 'to' });
  const from = parseInstant(flags.from, 'from');
  const to = parseInstant(flags.to, 'to');
  if (from.getTime() >= to.getTime()) {
    throw new UnitcostError('invalid_argument', `from (${from.toISOString()}) must be before to (${to.toISOString()}); to is exclusive: from=2026-11-01&to=2026-12-01 is November`, { field: 'from' });
  }
  const format = flags.format ?? 'csv';
  if (format !== 'csv' && format !== 'parquet') throw new UnitcostError('invalid_argument', `format must be csv or parquet, got "${format}"`, { field: 'format' });
  const tags = flags.tags === undefined ? [...defaultFocusTagNames] : parseFocusTagNames(flags.tags, 'tags');
  const started = clock();
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-focus-download-'));
  const remove = () => rmSync(directory, { recursive: true, force: true });
  try {
    // Named by the parsed instants' days: the given text may be a timestamp, which has no place in a file name.
    const filename = `focus-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.${format}`;
    const path = join(directory, filename);
    const outcome = await writeFocusFile(app, store, { from, to, tags, format, path });
    return { ...outcome, path, format, from: from.toISOString(), to: to.toISOString(), tags, seconds: (clock() - started) / 1000, filename, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Plans the list and discounted unit prices of every priced model, then writes the file (to a partial name, renamed when complete). */
async function writeFocusFile(
  app: App,
  store: FocusExporter,
  file: { from: Date; to: Date; tags: EventTagName[]; format: 'csv' | 'parquet'; path: string },
  progress: (message: string) => void = () => {},
): Promise<FocusExportOutcome> {
  const range = { fromMs: file.from.getTime(), toMs: file.to.getTime() };
  const groups = await store.focusPricedModels(range);
  const listCatalog = new PriceCatalog(app.priceData.providers, { models: app.config.models, discounts: [], prices: app.config.prices });
  const rates = planFocusPriceRates(groups, app.catalog, listCatalog);
  const partial = `${file.path}.partial-${process.pid}`;
  try {
    const outcome = await store.exportFocus({ ...range, tagNames: file.tags, rates, format: file.format, path: partial }, progress);
    renameSync(partial, file.path);
    return outcome;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

function formatOf(flags: FocusExportFlags): 'csv' | 'parquet' {
  if (flags.format !== undefined) {
    const format = flags.format.toLowerCase();
    if (!(formats as readonly string[]).includes(format)) throw new UnitcostError('invalid_argument', `--format must be csv or parquet, got "${flags.format}"`, { field: '--format' });
    return format as 'csv' | 'parquet';
  }
  return flags.out !== undefined && extname(flags.out).toLowerCase() === '.parquet' ? 'parquet' : 'csv';
}

// Checked before the minutes of work, not after: a typo in --out should cost nothing.
function checkWritable(path: string): void {
  const directory = dirname(path);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new UnitcostError('invalid_argument', `cannot write ${path}: the directory ${directory} does not exist`, { field: '--out', file: path });
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UnitcostError('invalid_argument', `cannot write ${path}: it is a directory; name a file, e.g. ${path}/${basename(path)}.csv`, { field: '--out', file: path });
  }
  try {
    accessSync(directory, constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
  } catch {
    throw new UnitcostError('invalid_argument', `cannot write ${path}: permission denied`, { field: '--out', file: path });
  }
}
