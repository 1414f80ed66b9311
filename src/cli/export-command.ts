import type { Command } from 'commander';
import { runFocusExport, type FocusExportResult } from '../app/governance/focus-export-service.js';
import { formatPicodollarsExact, formatUsd, picodollarsToUsd } from '../core/cost/picodollars.js';
import type { CliContext } from './cli-context.js';

interface FocusCommandOptions {
  from: string;
  to: string;
  format?: string;
  out?: string;
  tags?: string;
  db?: string;
  json?: boolean;
}

/** Registers `unitcost export focus`. */
export function registerExportCommand(program: Command, context: CliContext): void {
  const exportCommand = program.command('export').description('write stored costs in a format other tools read (focus: the FinOps FOCUS 1.2 billing format)');
  exportCommand
    .command('focus')
    .description('write a FOCUS 1.2 file of the stored calls for finance tools: one row per day × model × token class × tag set')
    .requiredOption('--from <date>', 'first day (or instant) to export, inclusive, e.g. 2026-11-01')
    .requiredOption('--to <date>', 'end of the export, exclusive, e.g. 2026-12-01 for all of November')
    .option('--format <format>', 'csv or parquet (default: parquet when --out ends in .parquet, else csv)')
    .option('--out <file>', 'the file to write, replaced if it exists (default: ./focus-FROM-TO.csv or .parquet)')
    .option('--tags <names>', 'the tags that make up the Tags column and split rows, comma-separated (default: feature,team,user_tier,environment)')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .option('--json', 'print what was written as JSON for scripts')
    .addHelpText(
      'after',
      `
FOCUS (FinOps Open Cost and Usage Specification) is the billing format cloud providers and FinOps tools
share. Each row is one UTC day of one model's one token class for one set of tags (and one price, when
a price changed during the day):

  SkuId              model:token_class, e.g. claude-sonnet-4-5:cache_read; the classes are input,
                     cache_read, cache_write_5m, cache_write_1h, output, reasoning, input_audio,
                     output_audio, request (a per-request fee) and web_search (server-side searches)
  ConsumedQuantity   tokens (requests for a request fee, searches for web searches)
  PricingQuantity    in PricingUnit "1000000 Tokens", so unit prices are $ per 1M tokens
                     ("Requests" and "1000 Searches" for the other two)
  ListUnitPrice      the catalog's price; ListCost = ListUnitPrice × PricingQuantity
  ContractedCost     after the config's discounts, as are EffectiveCost and BilledCost: the stored cost
  Tags               the calls' tags as JSON, e.g. {"feature":"support-faq","team":"support"}
  x_TokenClass, x_Model, x_CallCount   unitcost's own columns

Calls stored without a price are left out (their cost is unknown) and counted on stderr; run
\`unitcost reprice\` after changing prices or discounts so that stored costs match the config.
Every column and how discounts map is in docs/focus.md.

Examples:
  unitcost export focus --from 2026-11-01 --to 2026-12-01                      November, as CSV
  unitcost export focus --from 2026-11-01 --to 2026-12-01 --out nov.parquet    as Parquet
  unitcost export focus --from 2026-11-01 --to 2026-12-01 --tags team,feature`,
    )
    .action(async (options: FocusCommandOptions) => {
      const app = context.app();
      const progress = (message: string): void => context.io.stderr(`${message}…\n`);
      const result = await runFocusExport(app, options, progress);
      if (result.unpricedCalls > 0) {
        context.io.stderr(`${result.unpricedCalls.toLocaleString('en-US')} calls of the window have no price and are not in the file; \`unitcost report --by model\` shows which models\n`);
      }
      if (result.rowsWithoutUnitPrice > 0) {
        context.io.stderr(
          `${result.rowsWithoutUnitPrice.toLocaleString('en-US')} rows were billed at prices the config no longer gives: written at their stored cost, without unit prices; run \`unitcost reprice --from ${options.from} --to ${options.to}\`\n`,
        );
      }
      // The rows add every priced call's cost: a difference means a cost the export does not know how to bill.
      if (result.billedPicodollars !== result.storeTotalPicodollars) {
        context.io.stderr(
          `warning: the rows bill ${formatPicodollarsExact(result.billedPicodollars)} USD but the store's calls cost ${formatPicodollarsExact(result.storeTotalPicodollars)} USD; please report it\n`,
        );
      }
      context.io.stdout(options.json ? `${JSON.stringify(resultJson(result), null, 2)}\n` : resultText(result));
    });
}

function resultText(result: FocusExportResult): string {
  const saved = result.listPicodollars - result.billedPicodollars;
  const discount = saved > 0n ? `, ${formatUsd(picodollarsToUsd(saved))} saved by discounts` : '';
  return (
    `wrote ${result.rows.toLocaleString('en-US')} FOCUS rows to ${result.path} (${result.format}) in ${result.seconds.toFixed(1)} s\n` +
    `${result.pricedCalls.toLocaleString('en-US')} calls from ${result.from} to ${result.to}: ${formatUsd(picodollarsToUsd(result.billedPicodollars))} billed, ` +
    `${formatUsd(picodollarsToUsd(result.listPicodollars))} at list price${discount}\n`
  );
}

function resultJson(result: FocusExportResult): Record<string, unknown> {
  return {
    path: result.path,
    format: result.format,
    from: result.from,
    to: result.to,
    tags: result.tags,
    rows: result.rows,
    priced_calls: result.pricedCalls,
    unpriced_calls: result.unpricedCalls,
    rows_without_unit_price: result.rowsWithoutUnitPrice,
    // Exact decimal strings: the sums are integer picodollars and must not round on their way to a script.
    billed_usd: formatPicodollarsExact(result.billedPicodollars),
    list_usd: formatPicodollarsExact(result.listPicodollars),
    store_total_usd: formatPicodollarsExact(result.storeTotalPicodollars),
    seconds: result.seconds,
  };
}
