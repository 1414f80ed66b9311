import type { Command } from 'commander';
import { importFiles, type ImportProgress, type ImportResult } from '../app/capture/import-service.js';
import { openStore, streamingMemoryLimit } from '../app/open-store.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';
import { prepareReadsAfterWrites } from './prepare-reads.js';
import { maxRejectsHelp, parseMaxRejects } from './max-rejects-option.js';
import { printLoadOutcome, refusalLines } from './print-load-outcome.js';

const help = `
Reads the exports of the tool you are moving from, in the layout that tool writes: a JSON array (pretty
or not), an object with its rows in "data", JSON lines, or CSV with a header (JSON columns as JSON text);
gzipped or not. Each row keeps its tool's id (litellm:<request_id>, langfuse:<id>, helicone:<request_id>),
so importing a file again stores nothing new, and the tool's own cost is kept as cost_usd to compare.

  litellm   rows of LiteLLM_SpendLogs: GET /spend/logs (JSON), or a dump of the table (CSV).
            prompt_tokens already holds the cache; the cache split is read from metadata.usage_object.
            Tags: metadata.user_api_key_team_alias → team; end_user (or user) → user_id; session_id;
            request_tags "feature:search" or "team=growth" → those tags; metadata.spend_logs_metadata
            keys named like a tag (feature, team, user_tier, user_id, session_id, task_id, step,
            environment) → tags, other values → attributes.
  langfuse  observations from the UI export (JSON or CSV), the API, or blob storage (camelCase or
            snake_case). usageDetails parts are added up (Anthropic's "input" leaves the cache out).
            Tags: traceId → task_id; userId, sessionId, environment; trace tags "k:v"; metadata keys.
  helicone  requests from \`npx @helicone/export\` (JSON, JSONL or CSV; its CSV has no request id, so
            the response id stands in). prompt_tokens leaves the cache and audio out, so they are added.
            Tags: user_id; properties, with or without their header prefix
            (Helicone-Property-Feature → feature, Team → team); Helicone-Session-Id → session_id.

Rows that are not model calls (Langfuse spans and events, LiteLLM tool calls without tokens) are
skipped and counted; response-cache hits are kept with zero tokens. Rows that cannot be read go to the
reject file with file:line, the tool's field and the reason. Prompts and responses are never read.

Examples:
  unitcost import litellm spend-logs.json
  unitcost import langfuse observations-*.csv --db costs.duckdb
  unitcost import helicone output.jsonl --rejects helicone-rejects.jsonl`;

/** Registers `unitcost import <tool> FILE…`. */
export function registerImportCommand(program: Command, context: CliContext): void {
  program
    .command('import')
    .description('load the exports of LiteLLM, Langfuse or Helicone into the store, with their tags')
    .argument('<tool>', 'the tool that wrote the export: litellm, langfuse or helicone')
    .argument('<file...>', 'export files to read; - reads stdin')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, or $UNITCOST_DB, or db in the config)')
    .option('--rejects <file>', 'where rejected rows go (default: <first file>.rejects.jsonl)')
    .option('--batch-size <n>', 'calls per transaction (default 10000)', (value) => positiveInteger(value, '--batch-size'))
    .option('--max-rejects <n>', maxRejectsHelp, parseMaxRejects, 0)
    .option('--json', 'print the summary as JSON')
    .option('--progress', 'report progress even when not on a terminal: one line per committed batch, on stderr')
    .addHelpText('after', help)
    .action(async (tool: string, files: string[], options: { db?: string; rejects?: string; batchSize?: number; maxRejects: number; json?: boolean; progress?: boolean }) => {
      const app = context.app();
      const store = await openStore(app, { ...(options.db === undefined ? {} : { db: options.db }), memoryLimit: streamingMemoryLimit });
      const onTerminal = context.io.isTty && !options.json;
      const progress = onTerminal || options.progress ? progressPrinter(context.io.stderr, onTerminal) : undefined;
      let result: ImportResult;
      try {
        result = await importFiles(
          app,
          store,
          tool,
          files,
          { ...(options.rejects ? { rejects: options.rejects } : {}), ...(options.batchSize ? { batchSize: options.batchSize } : {}) },
          progress?.update,
        );
        await prepareReadsAfterWrites(context, store);
      } finally {
        progress?.clear();
        await store.close();
      }
      printLoadOutcome(context, result, store.location, options, formatSummary);
    });
}

const count = (value: number): string => value.toLocaleString('en-US');

function formatSummary(result: ImportResult, location: string): string {
  const totals = result.totals;
  const lines = [
    `imported ${result.tool} ${result.inputs.map((input) => input.path).join(', ')} into ${location}`,
    `  accepted    ${count(totals.accepted)} calls`,
    ...refusalLines(totals),
    `  skipped     ${count(totals.skipped)}${totals.skipped > 0 ? ' rows not imported, by reason:' : ''}`,
    ...Object.entries(result.skipped).map(([reason, rows]) => `                ${count(rows)} × ${reason}`),
    `  unpriced    ${count(totals.unpriced)}${totals.unpriced > 0 ? ' calls of models without a price: stored without a cost; `unitcost reprice` prices them once the catalog or config knows them' : ''}`,
  ];
  if (result.rejectsPath) lines.push(`rejected rows and conflicts, with file:line, field and reason: ${result.rejectsPath}`);
  if (result.interrupted) lines.push('interrupted: every batch counted above is stored; run the same command again to finish');
  return `${lines.join('\n')}\n`;
}

/** Progress on stderr: redrawn in place on a terminal, a line per commit elsewhere. */
function progressPrinter(write: (text: string) => void, redraw: boolean): { update: (progress: ImportProgress) => void; clear: () => void } {
  let drawn = false;
  return {
    update: (progress) => {
      const share = progress.totalBytes ? ` ${Math.min(100, Math.round((progress.bytesRead / progress.totalBytes) * 100))}%` : '';
      const text = `${progress.input}:${share} ${count(progress.totals.lines)} lines, ${count(progress.totals.accepted)} accepted, ${count(progress.totals.skipped)} skipped, ${count(progress.totals.rejected)} rejected`;
      write(redraw ? `\r${text}\u001b[K` : `${text}\n`);
      drawn = true;
    },
    clear: () => {
      if (redraw && drawn) write('\r\u001b[K');
    },
  };
}

function positiveInteger(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new UnitcostError('invalid_argument', `${flag} must be a positive whole number, got "${value}"`, { field: flag });
  }
  return parsed;
}
