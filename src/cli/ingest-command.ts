import type { Command } from 'commander';
import { ingestFiles, type IngestProgress, type IngestResult } from '../app/ingest-service.js';
import { openStore, streamingMemoryLimit } from '../app/open-store.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';
import { prepareReadsAfterWrites } from './prepare-reads.js';
import { maxRejectsHelp, parseMaxRejects } from './max-rejects-option.js';
import { printLoadOutcome, refusalLines } from './print-load-outcome.js';

/** Registers `unitcost ingest FILE…`. */
export function registerIngestCommand(program: Command, context: CliContext): void {
  program
    .command('ingest')
    .description('load usage events, task outcomes and revenue from JSONL or CSV files (gzipped or not) into the store')
    .argument('<file...>', 'files to read; - reads stdin')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, or $UNITCOST_DB, or db in the config)')
    .option('--rejects <file>', 'where rejected lines go (default: <first file>.rejects.jsonl)')
    .option('--batch-size <n>', 'calls per transaction (default 122880, one DuckDB row group)', (value) => positiveInteger(value, '--batch-size'))
    .option('--max-rejects <n>', maxRejectsHelp, parseMaxRejects, 0)
    .option('--json', 'print the summary as JSON')
    .option('--progress', 'report progress even when not on a terminal: one line per committed batch, on stderr')
    .option('--worker', 'read and price lines on a worker thread (the default for inputs over 4 MB with a DuckDB store)')
    .option('--no-worker', 'read and price lines on the main thread: less CPU in all, slower when a core is free')
    .addHelpText(
      'after',
      `
One record per line: a usage event, {"type":"outcome",…} or {"type":"revenue",…} (see docs/events.md).
A CSV header names the same fields; attributes.<key> columns become attributes, and a usage or
attributes cell may hold JSON. Ingesting a file again changes nothing: records already stored count as
duplicates. Each batch is committed whole, so an ingest stopped by Ctrl-C or kill -9 is finished by
running the same command again. An unknown model is stored unpriced; \`unitcost reprice\` prices it later.

Examples:
  unitcost ingest events.jsonl
  unitcost ingest logs/*.jsonl.gz --db costs.duckdb
  zcat events.jsonl.gz | unitcost ingest -
  unitcost ingest nightly.jsonl --max-rejects 100    in CI: fail only past 100 refused lines`,
    )
    .action(async (files: string[], options: { db?: string; rejects?: string; batchSize?: number; maxRejects: number; json?: boolean; progress?: boolean; worker?: boolean }) => {
      const app = context.app();
      const store = await openStore(app, { ...(options.db === undefined ? {} : { db: options.db }), memoryLimit: streamingMemoryLimit });
      const onTerminal = context.io.isTty && !options.json;
      const progress = onTerminal || options.progress ? new ProgressLine(context.io.stderr, app.now, onTerminal) : undefined;
      let result: IngestResult;
      try {
        result = await ingestFiles(
          app,
          store,
          files,
          { ...(options.rejects ? { rejects: options.rejects } : {}), ...(options.batchSize ? { batchSize: options.batchSize } : {}), ...(options.worker === undefined ? {} : { worker: options.worker }) },
          progress ? (update) => progress.update(update) : undefined,
        );
        // An interrupted ingest stored its committed batches: they are summarized too.
        await prepareReadsAfterWrites(context, store);
      } finally {
        progress?.clear();
        await store.close();
      }
      printLoadOutcome(context, result, store.location, options, formatSummary);
    });
}

const count = (value: number): string => value.toLocaleString('en-US');

function formatSummary(result: IngestResult, location: string): string {
  const totals = result.totals;
  const lines = [
    `ingested ${result.inputs.map((input) => input.path).join(', ')} into ${location}`,
    `  accepted    ${count(totals.accepted)} (${count(totals.acceptedCalls)} calls, ${count(totals.acceptedOutcomes)} outcomes, ${count(totals.acceptedRevenue)} revenue)`,
    ...refusalLines(totals),
    `  unpriced    ${count(totals.unpriced)}${totals.unpriced > 0 ? ' calls of models without a price: stored without a cost; `unitcost reprice` prices them once the catalog or config knows them' : ''}`,
  ];
  if (result.rejectsPath) lines.push(`rejected lines and conflicts, with file:line, field and reason: ${result.rejectsPath}`);
  if (result.interrupted) lines.push('interrupted: every batch counted above is stored; run the same command again to finish');
  return `${lines.join('\n')}\n`;
}

/** A one-line progress bar on the terminal: percent, rate and ETA when the size is known, else count and rate. */
class ProgressLine {
  private readonly startedMs: number;
  private lastDrawMs = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => Date,
    /** On a terminal the line is redrawn in place; elsewhere each update is a line of its own. */
    private readonly redraw: boolean,
  ) {
    this.startedMs = now().getTime();
  }

  update(progress: IngestProgress): void {
    const nowMs = this.now().getTime();
    if (this.redraw && nowMs - this.lastDrawMs < 100) return;
    this.lastDrawMs = nowMs;
    const seconds = Math.max((nowMs - this.startedMs) / 1000, 0.001);
    const rate = progress.totals.lines / seconds;
    let text = `${progress.input}: ${count(progress.totals.lines)} lines, ${count(progress.totals.accepted)} accepted, ${count(Math.round(rate))}/s`;
    if (progress.totalBytes) {
      const share = Math.min(progress.bytesRead / progress.totalBytes, 1);
      const width = 24;
      const filled = Math.round(share * width);
      const eta = share > 0 ? (seconds / share) * (1 - share) : 0;
      text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${text}, ETA ${formatSeconds(eta)}`;
    }
    this.write(this.redraw ? `\r${text}\u001b[K` : `${text}\n`);
  }

  clear(): void {
    if (this.redraw && this.lastDrawMs > 0) this.write('\r\u001b[K');
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function positiveInteger(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new UnitcostError('invalid_argument', `${flag} must be a positive whole number, got "${value}"`, { field: flag });
  }
  return parsed;
}
