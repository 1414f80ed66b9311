import type { Command } from 'commander';
import { openStore, streamingMemoryLimit } from '../app/open-store.js';
import { repriceCalls, type RepriceResult } from '../app/reprice-service.js';
import { formatPicodollarsExact, formatUsd, picodollarsToUsd } from '../core/cost/picodollars.js';
import type { CliContext } from './cli-context.js';
import { prepareReadsAfterWrites } from './prepare-reads.js';
import { formatTable } from './format-table.js';
import { parseDateOption } from './parse-date-option.js';

/** Registers `unitcost reprice [--from DATE] [--to DATE]`. */
export function registerRepriceCommand(program: Command, context: CliContext): void {
  program
    .command('reprice')
    .description('recompute the cost of stored calls with the current catalog and config, and show what moved')
    .option('--from <date>', 'first day (or instant) to reprice, inclusive (default: the first call)')
    .option('--to <date>', 'end of the range, exclusive (default: after the last call)')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, or $UNITCOST_DB, or db in the config)')
    .option('--json', 'print JSON for scripts')
    .addHelpText(
      'after',
      `
Run it after adding a custom model, a discount or a dated price to the config, or after upgrading
unitcost's catalog. Calls stored unpriced get a cost once their model is known; every other call is
recomputed from its token counts, per token class, at the price in force at its timestamp.

Examples:
  unitcost reprice
  unitcost reprice --from 2026-03-01 --to 2026-04-01`,
    )
    .action(async (options: { from?: string; to?: string; db?: string; json?: boolean }) => {
      const app = context.app();
      const range = {
        ...(options.from ? { from: parseDateOption(options.from, '--from') } : {}),
        ...(options.to ? { to: parseDateOption(options.to, '--to') } : {}),
      };
      const store = await openStore(app, { ...(options.db === undefined ? {} : { db: options.db }), memoryLimit: streamingMemoryLimit });
      let result: RepriceResult;
      try {
        result = await repriceCalls(app, store, range);
        await prepareReadsAfterWrites(context, store);
      } finally {
        await store.close();
      }
      context.io.stdout(options.json ? `${JSON.stringify(repriceJson(result), null, 2)}\n` : formatReprice(result));
    });
}

function label(model: { provider: string | null; model: string }): string {
  return model.provider ? `${model.provider}/${model.model}` : model.model;
}

function change(oldTotal: bigint, newTotal: bigint): string {
  const difference = newTotal - oldTotal;
  if (difference === 0n) return '0';
  return `${difference > 0n ? '+' : '-'}${formatUsd(Math.abs(picodollarsToUsd(difference)))}`;
}

function formatReprice(result: RepriceResult): string {
  const { totals } = result;
  if (totals.calls === 0) return 'no stored calls in that range\n';
  const rows = result.models.map((model) => [
    label(model),
    model.calls.toLocaleString('en-US'),
    model.repriced.toLocaleString('en-US'),
    model.newlyPriced.toLocaleString('en-US'),
    model.unpricedAfter.toLocaleString('en-US'),
    formatUsd(picodollarsToUsd(model.oldTotalPicodollars)),
    formatUsd(picodollarsToUsd(model.newTotalPicodollars)),
    change(model.oldTotalPicodollars, model.newTotalPicodollars),
  ]);
  const table = formatTable(['model', 'calls', 'repriced', 'newly priced', 'still unpriced', 'old cost', 'new cost', 'change'], rows, [1, 2, 3, 4, 5, 6, 7]);
  const lines = [
    `${totals.repriced.toLocaleString('en-US')} of ${totals.calls.toLocaleString('en-US')} calls changed cost (${totals.newlyPriced.toLocaleString('en-US')} newly priced${totals.newlyUnpriced > 0 ? `, ${totals.newlyUnpriced.toLocaleString('en-US')} no longer priced` : ''})`,
    `total ${formatUsd(picodollarsToUsd(totals.oldTotalPicodollars))} → ${formatUsd(picodollarsToUsd(totals.newTotalPicodollars))} (${change(totals.oldTotalPicodollars, totals.newTotalPicodollars)})`,
  ];
  if (totals.unpricedAfter > 0) lines.push(`${totals.unpricedAfter.toLocaleString('en-US')} calls remain unpriced: add their models to the config (models:) and reprice again`);
  return `${table}${lines.join('\n')}\n`;
}

function repriceJson(result: RepriceResult): unknown {
  const money = (picodollars: bigint): { usd: number; exact: string } => ({ usd: picodollarsToUsd(picodollars), exact: formatPicodollarsExact(picodollars) });
  return {
    range: result.range,
    totals: {
      calls: result.totals.calls,
      repriced: result.totals.repriced,
      newly_priced: result.totals.newlyPriced,
      newly_unpriced: result.totals.newlyUnpriced,
      unpriced_after: result.totals.unpricedAfter,
      old_cost_usd: money(result.totals.oldTotalPicodollars).usd,
      new_cost_usd: money(result.totals.newTotalPicodollars).usd,
      old_cost_usd_exact: money(result.totals.oldTotalPicodollars).exact,
      new_cost_usd_exact: money(result.totals.newTotalPicodollars).exact,
    },
    models: result.models.map((model) => ({
      provider: model.provider,
      model: model.model,
      calls: model.calls,
      repriced: model.repriced,
      newly_priced: model.newlyPriced,
      newly_unpriced: model.newlyUnpriced,
      unpriced_after: model.unpricedAfter,
      old_cost_usd: picodollarsToUsd(model.oldTotalPicodollars),
      new_cost_usd: picodollarsToUsd(model.newTotalPicodollars),
    })),
  };
}
