import type { Command } from 'commander';
import { pushFiles, type PushProgress, type PushResult } from '../app/capture/push-files.js';
import { readServerDiscovery } from '../app/server-discovery.js';
import { storePath } from '../app/open-store.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';
import { maxRejectsHelp, parseMaxRejects, tooManyRejects, type MaxRejects } from './max-rejects-option.js';
import { refusalLines } from './print-load-outcome.js';

interface PushFlags {
  server?: string;
  apiKeyEnv: string;
  db?: string;
  batchSize?: number;
  concurrency?: number;
  rejects?: string;
  maxRejects: MaxRejects;
  json?: boolean;
  progress?: boolean;
}

/** Registers `unitcost push FILE…`. */
export function registerPushCommand(program: Command, context: CliContext): void {
  program
    .command('push')
    .description('send JSONL or CSV files of events to a running unitcost server, in batches under its limits, with retries')
    .argument('<file...>', 'files to send (gzipped or not); - reads stdin')
    .option('--server <url>', 'the server (default: the one serving the local store, else http://127.0.0.1:8787)')
    .option('--api-key-env <name>', 'the environment variable holding a key with scope ingest (never printed)', 'UNITCOST_API_KEY')
    .option('--db <file>', 'find the server that serves this store (its <db>.server.json), when --server is not given')
    .option('--batch-size <n>', 'records per request (default 1000, at most the server\'s own limit)', (value) => positiveInteger(value, '--batch-size'))
    .option('--concurrency <n>', 'requests in flight at once (default 4)', (value) => positiveInteger(value, '--concurrency'))
    .option('--rejects <file>', 'where refused lines go (default: <first file>.rejects.jsonl)')
    .option('--max-rejects <n>', maxRejectsHelp, parseMaxRejects, 0)
    .option('--json', 'print the summary as JSON')
    .option('--progress', 'report progress even when not on a terminal: one line per batch, on stderr')
    .addHelpText(
      'after',
      `
For teams whose unitcost server runs elsewhere: the same files \`unitcost ingest\` reads, sent over HTTP.
Each line is checked here first, so a bad one is reported with its file and line without a round trip;
the rest go gzipped in batches the server's /healthz says it takes, a few at a time. A 429, a 5xx or a
dropped connection is retried with backoff (Retry-After honoured); records are idempotent by id, so a
retried batch, or the same push run twice, stores nothing twice. A batch that still fails is listed with
its line range, and the command exits 1, so nothing is lost without saying so.

Examples:
  unitcost push events.jsonl --server https://unitcost.internal:8787
  UNITCOST_API_KEY=uc_… unitcost push logs/*.jsonl.gz --server https://unitcost.internal
  unitcost push nightly.csv --max-rejects 100     in CI: fail only past 100 refused lines`,
    )
    .action(async (files: string[], flags: PushFlags) => {
      const app = context.app();
      const server = flags.server ?? readServerDiscovery(storePath(app, flags.db === undefined ? {} : { db: flags.db }))?.url ?? 'http://127.0.0.1:8787';
      if (!/^https?:\/\//.test(server)) throw new UnitcostError('invalid_argument', `--server must be an http(s) URL, got "${server}"`, { field: '--server' });
      const apiKey = process.env[flags.apiKeyEnv];
      const onTerminal = context.io.isTty && !flags.json;
      const progress = onTerminal || flags.progress ? new PushProgressLine(context.io.stderr, onTerminal) : undefined;
      let result: PushResult;
      try {
        result = await pushFiles(
          files,
          {
            server,
            apiKey: apiKey === undefined || apiKey === '' ? undefined : apiKey,
            ...(flags.batchSize === undefined ? {} : { batchSize: flags.batchSize }),
            ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
            rejectsPath: flags.rejects ?? `${files[0] === '-' ? 'stdin' : files[0]}.rejects.jsonl`,
          },
          progress === undefined ? undefined : (update) => progress.update(update),
        );
      } finally {
        progress?.clear();
      }
      if (flags.json) context.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else context.io.stdout(formatSummary(result));
      const refusal = tooManyRejects(result.totals, flags.maxRejects, result.rejectsPath);
      if (refusal !== undefined) context.io.stderr(`unitcost: ${refusal}\n`);
      if (result.failedBatches.length > 0) {
        const records = result.failedBatches.reduce((sum, batch) => sum + batch.records, 0);
        context.io.stderr(`unitcost: ${records.toLocaleString('en-US')} records in ${result.failedBatches.length} batches were not stored after every retry; send those lines again\n`);
      }
      if (refusal !== undefined || result.failedBatches.length > 0) context.setExitCode?.(1);
    });
}

const count = (value: number): string => value.toLocaleString('en-US');

function formatSummary(result: PushResult): string {
  const totals = result.totals;
  const lines = [
    `pushed ${result.inputs.map((input) => input.path).join(', ')} to ${result.server}`,
    `  accepted    ${count(totals.accepted)}`,
    ...refusalLines(totals),
    `  requests    ${count(result.requests)}${result.retries > 0 ? ` (${count(result.retries)} retried after a 429, a 5xx or a network error)` : ''}`,
  ];
  for (const batch of result.failedBatches) lines.push(`  NOT STORED  ${batch.file} lines ${batch.firstLine}–${batch.lastLine} (${count(batch.records)} records): ${batch.reason}`);
  if (result.rejectsPath) lines.push(`refused lines, with file:line, field and reason: ${result.rejectsPath}`);
  return `${lines.join('\n')}\n`;
}

/** Records sent, rate and, for a file of known size, percent and ETA; redrawn in place on a terminal. */
class PushProgressLine {
  private lastDrawMs = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly redraw: boolean,
  ) {}

  update(progress: PushProgress): void {
    if (this.redraw && progress.elapsedMs - this.lastDrawMs < 100) return;
    this.lastDrawMs = progress.elapsedMs;
    const seconds = Math.max(progress.elapsedMs / 1000, 0.001);
    let text = `${progress.file}: ${count(progress.sent)} sent, ${count(progress.totals.accepted)} accepted, ${count(Math.round(progress.sent / seconds))}/s`;
    if (progress.totalBytes) {
      const share = Math.min(progress.bytesRead / progress.totalBytes, 1);
      const eta = share > 0 ? (seconds / share) * (1 - share) : 0;
      text = `${(share * 100).toFixed(0).padStart(3)}% ${text}, ETA ${Math.ceil(eta)}s`;
    }
    this.write(this.redraw ? `\r${text}\u001b[K` : `${text}\n`);
  }

  clear(): void {
    if (this.redraw && this.lastDrawMs > 0) this.write('\r\u001b[K');
  }
}

function positiveInteger(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new UnitcostError('invalid_argument', `${flag} must be a positive whole number, got "${value}"`, { field: flag });
  return parsed;
}
