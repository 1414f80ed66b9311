import { InvalidArgumentError, type Command } from 'commander';
import { openStoreAt, streamingMemoryLimit } from '../app/open-store.js';
import { copyStore, defaultCopyPageSize, type StoreCopyResult } from '../app/storage/store-copy-service.js';
import { parseStoreLocator } from '../config/store-config.js';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import type { Store } from '../store/store.js';
import type { CliContext } from './cli-context.js';
import { prepareReadsAfterWrites } from './prepare-reads.js';

function pageSize(value: string): number {
  const size = Number(value);
  if (!Number.isSafeInteger(size) || size < 1 || size > 1_000_000) throw new InvalidArgumentError('must be a whole number from 1 to 1,000,000');
  return size;
}

/** Registers `unitcost store copy --from STORE --to STORE`. */
export function registerStoreCommand(program: Command, context: CliContext): void {
  const store = program.command('store').description('move events between stores: the DuckDB file and a ClickHouse database');
  store
    .command('copy')
    .description('copy every call, outcome, revenue record and price, closed statement, API key and alert state from one store into another, and check the totals')
    .requiredOption('--from <store>', 'the store to read: duckdb:FILE or clickhouse:http://HOST:PORT/DATABASE')
    .requiredOption('--to <store>', 'the store to write: duckdb:FILE or clickhouse:http://HOST:PORT/DATABASE')
    .option('--page-size <records>', `records read and written at a time (default ${defaultCopyPageSize.toLocaleString('en-US')})`, pageSize)
    .option('--json', 'print JSON for scripts')
    .addHelpText(
      'after',
      `
Stores are named as duckdb:FILE (a path alone works too) or clickhouse:http://HOST:PORT/DATABASE; the
ClickHouse user and password come from UNITCOST_CLICKHOUSE_USER and UNITCOST_CLICKHOUSE_PASSWORD (or the
variables the config's store.clickhouse.user_env and password_env name).

The copy goes a month at a time and is safe to interrupt: run it again and months whose counts and
sums already match are skipped, and a half-copied month is finished (what is there counts as
duplicates). At the end every month's record counts and exact cost are compared on both sides; the
command exits 1 if any differ or if the destination holds a record with the same id and other content.

After the events come closed (chargeback) statements with their frozen lines, API keys (their hashes; a
key revoked in the source is revoked in the destination too) and alert state (incidents with their webhook
notifications, and mutes), each by its id: what the destination already holds is otherwise left as it is,
and a run again copies only what is missing. A statement the destination closed with another
fingerprint, or another statement of the same tag sharing its days, is a conflict (exit 1), and so is a
key id the destination holds with another key.

Examples:
  unitcost store copy --from duckdb:unitcost.duckdb --to clickhouse:http://clickhouse.internal:8123/unitcost
  unitcost store copy --from clickhouse:http://clickhouse.internal:8123/unitcost --to duckdb:local-copy.duckdb`,
    )
    .action(async (options: { from: string; to: string; pageSize?: number; json?: boolean }) => {
      const app = context.app();
      const from = parseStoreLocator(options.from, '--from', app.config);
      const to = parseStoreLocator(options.to, '--to', app.config);
      let source: Store | undefined;
      let destination: Store | undefined;
      let result: StoreCopyResult;
      const started = Date.now();
      try {
        source = await openStoreAt(from, { memoryLimit: streamingMemoryLimit });
        destination = await openStoreAt(to, { memoryLimit: streamingMemoryLimit });
        const { io } = context;
        let pageRecords = 0;
        result = await copyStore(source, destination, {
          ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
          onProgress: (event) => {
            if (event.type === 'month-skipped') io.stderr(`${event.month}: already copied (${event.records.toLocaleString('en-US')} records), skipped\n`);
            else if (event.type === 'page') {
              pageRecords += event.copied + event.duplicates;
              if (io.isTty) io.stderr(`\r${event.month}: ${pageRecords.toLocaleString('en-US')} records read…`);
            } else {
              io.stderr(`${io.isTty ? '\r' : ''}${event.month}: ${event.copied.toLocaleString('en-US')} copied, ${event.duplicates.toLocaleString('en-US')} already there${event.conflicts > 0 ? `, ${event.conflicts} conflicts` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
              pageRecords = 0;
            }
          },
        });
        await prepareReadsAfterWrites(context, destination);
      } finally {
        await source?.close();
        await destination?.close();
      }
      const failed = result.mismatches.length > 0 || result.conflicts.length > 0;
      if (failed) context.setExitCode?.(1);
      context.io.stdout(options.json ? `${JSON.stringify(copyJson(result, source.location, destination.location), null, 2)}\n` : formatCopy(result, source.location, destination.location));
    });
}

function copyJson(result: StoreCopyResult, from: string, to: string): unknown {
  return {
    from,
    to,
    months: result.months,
    skipped_months: result.skippedMonths,
    copied: result.copied,
    duplicates: result.duplicates,
    prices: result.prices,
    statements: { copied: result.ledgers.statements.copied, already_there: result.ledgers.statements.present },
    api_keys: { copied: result.ledgers.apiKeys.copied, already_there: result.ledgers.apiKeys.present, revoked: result.ledgers.apiKeys.revoked },
    incidents: { copied: result.ledgers.incidents.copied, already_there: result.ledgers.incidents.present, notifications: result.ledgers.notifications },
    mutes: { copied: result.ledgers.mutes.copied, already_there: result.ledgers.mutes.present },
    conflicts: result.conflicts,
    check: {
      passed: result.mismatches.length === 0,
      source_records: result.check.sourceRecords,
      destination_records: result.check.destinationRecords,
      source_cost_usd: formatPicodollarsExact(result.check.sourceCostPicodollars),
      destination_cost_usd: formatPicodollarsExact(result.check.destinationCostPicodollars),
      mismatched_months: result.mismatches.map((mismatch) => mismatch.month),
    },
  };
}

function formatCopy(result: StoreCopyResult, from: string, to: string): string {
  const number = (value: number): string => value.toLocaleString('en-US');
  const lines = [
    `copied ${from} → ${to}`,
    `months      ${number(result.months)} (${number(result.skippedMonths)} already copied)`,
    `copied      ${number(result.copied.usage)} calls, ${number(result.copied.outcomes)} outcomes, ${number(result.copied.revenue)} revenue records, ${number(result.prices)} prices`,
    `duplicates  ${number(result.duplicates)} (already in the destination)`,
  ];
  const { statements, apiKeys, incidents, mutes, notifications } = result.ledgers;
  lines.push(
    `statements  ${number(statements.copied)} closed statements copied (${number(statements.present)} already there)`,
    `api keys    ${number(apiKeys.copied)} copied (${number(apiKeys.present)} already there${apiKeys.revoked > 0 ? `, ${number(apiKeys.revoked)} revoked as in the source` : ''})`,
    `alerts      ${number(incidents.copied)} incidents with ${number(notifications)} notifications, ${number(mutes.copied)} mutes copied (${number(incidents.present)} incidents, ${number(mutes.present)} mutes already there)`,
  );
  if (result.conflicts.length > 0) {
    lines.push(`conflicts   ${number(result.conflicts.length)}: the destination holds these ids with other content and keeps its own`);
    // A record's reason is its content differing; a statement's or key's says what the destination holds instead.
    for (const conflict of result.conflicts.slice(0, 10)) lines.push(`  ${conflict.kind} ${conflict.id}${conflict.kind === 'statement' || conflict.kind === 'api_key' ? `: ${conflict.reason}` : ''}`);
    if (result.conflicts.length > 10) lines.push(`  … and ${number(result.conflicts.length - 10)} more (--json lists them all)`);
  }
  const { check } = result;
  lines.push(
    result.mismatches.length === 0
      ? `check       passed: ${number(check.sourceRecords)} records and $${formatPicodollarsExact(check.sourceCostPicodollars)} on both sides`
      : `check       FAILED in ${result.mismatches.map((mismatch) => mismatch.month).join(', ')}: source ${number(check.sourceRecords)} records, $${formatPicodollarsExact(check.sourceCostPicodollars)}; destination ${number(check.destinationRecords)} records, $${formatPicodollarsExact(check.destinationCostPicodollars)}`,
  );
  return `${lines.join('\n')}\n`;
}
