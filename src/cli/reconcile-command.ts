import type { Command } from 'commander';
import { reconcileWithProvider } from '../app/reconcile/reconcile-service.js';
import { reconcileProviders, type ReconcileProvider } from '../core/reconcile/provider-report.js';
import type { Reconciliation } from '../core/reconcile/reconcile-spend.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';

interface ReconcileFlags {
  from?: string;
  to?: string;
  month?: string;
  live?: boolean;
  adminKeyEnv?: string;
  adminBaseUrl?: string;
  db?: string;
  minCoverage: number;
  json?: boolean;
  csv?: boolean;
}

/** Registers `unitcost reconcile PROVIDER [FILE…]`. */
export function registerReconcileCommand(program: Command, context: CliContext): void {
  program
    .command('reconcile')
    .description("compare what unitcost recorded with the provider's own usage and cost reports: coverage, untracked spend, wrong prices")
    .argument('<provider>', reconcileProviders.join(' or '))
    .argument('[file...]', "saved admin API answers (usage and cost reports; a page, an array of pages, or one per line)")
    .option('--month <yyyy-mm>', 'the calendar month to reconcile (UTC)')
    .option('--from <day>', 'first UTC day (YYYY-MM-DD), with --to')
    .option('--to <day>', 'the day after the last (exclusive)')
    .option('--live', "pull the reports from the provider's admin API (key from $OPENAI_ADMIN_KEY or $ANTHROPIC_ADMIN_KEY)")
    .option('--admin-key-env <name>', 'the environment variable holding the admin key')
    .option('--admin-base-url <url>', "the admin API's address (default: the provider's own)")
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, $UNITCOST_DB, or db in the config)')
    .option('--min-coverage <share>', 'exit 1 when unitcost saw less than this share of the bill (default 0.95)', parseShare, 0.95)
    .option('--json', 'print the whole reconciliation as JSON')
    .option('--csv', 'print one CSV row per day, model and class')
    .addHelpText(
      'after',
      `
Answers "did unitcost see our whole bill, and are its prices ours?". Per UTC day, model and billing class
(input, cache reads and writes, output, audio, web searches) it sets the tokens and dollars the provider
reports beside what unitcost recorded:
  coverage        the share of the bill unitcost saw (billed dollars of the tokens it also recorded)
  untracked       dollars of calls no one instrumented, per model
  price gaps      what unitcost priced differently from the bill, explained: a discount from some day on
                  comes with the config line that closes it (discounts: in unitcost.config.yaml)
The store is only read. Pull the reports with an admin key (OpenAI: organization admin key; Anthropic:
sk-ant-admin…), or save them: OpenAI /v1/organization/usage/completions?group_by=model&bucket_width=1d and
/v1/organization/costs?group_by=line_item; Anthropic /v1/organizations/usage_report/messages?group_by[]=model
and /v1/organizations/cost_report?group_by[]=description.

Examples:
  unitcost reconcile openai --month 2026-10 --live
  unitcost reconcile anthropic usage-oct.json cost-oct.json --month 2026-10
  unitcost reconcile openai --from 2026-10-01 --to 2026-10-15 --live --json
  unitcost reconcile openai --month 2026-10 --live --min-coverage 0.99     in cron: exit 1 under 99%`,
    )
    .action(async (provider: string, files: string[], flags: ReconcileFlags) => {
      if (!(reconcileProviders as readonly string[]).includes(provider)) {
        throw new UnitcostError('invalid_argument', `provider must be ${reconcileProviders.join(' or ')}, got "${provider}"`, { field: 'provider' });
      }
      const window = windowOf(flags);
      const app = context.app();
      const result = await reconcileWithProvider(app, {
        provider: provider as ReconcileProvider,
        ...window,
        files,
        ...(flags.live ? { live: true } : {}),
        ...(flags.adminKeyEnv === undefined ? {} : { adminKeyEnv: flags.adminKeyEnv }),
        ...(flags.adminBaseUrl === undefined ? {} : { adminBaseUrl: flags.adminBaseUrl }),
        ...(flags.db === undefined ? {} : { db: flags.db }),
        onPage: (endpoint, page) => {
          if (context.io.isTty) context.io.stderr(`\rpulled ${endpoint} page ${page}\u001b[K`);
        },
      });
      if (context.io.isTty) context.io.stderr('\r\u001b[K');
      if (flags.json) context.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else if (flags.csv) context.io.stdout(csvOf(result));
      else context.io.stdout(textOf(result));
      const coverage = result.totals.coverage ?? result.totals.token_coverage;
      if (coverage < flags.minCoverage) {
        context.io.stderr(`unitcost: coverage ${(coverage * 100).toFixed(1)}% is under --min-coverage ${(flags.minCoverage * 100).toFixed(1)}%\n`);
        context.setExitCode?.(1);
      }
    });
}

function windowOf(flags: ReconcileFlags): { from: string; to: string } {
  if (flags.month !== undefined) {
    if (flags.from !== undefined || flags.to !== undefined) throw new UnitcostError('invalid_argument', 'give --month or --from/--to, not both', { field: '--month' });
    const match = /^(\d{4})-(\d{2})$/.exec(flags.month);
    if (match === null || Number(match[2]) < 1 || Number(match[2]) > 12) throw new UnitcostError('invalid_argument', `--month must be YYYY-MM, got "${flags.month}"`, { field: '--month' });
    const year = Number(match[1]);
    const month = Number(match[2]);
    const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
    return { from: `${flags.month}-01`, to: `${next}-01` };
  }
  if (flags.from === undefined || flags.to === undefined) throw new UnitcostError('invalid_argument', 'say which days: --month YYYY-MM, or --from and --to', { field: '--from' });
  return { from: flags.from, to: flags.to };
}

function parseShare(value: string): number {
  const share = Number(value);
  if (!Number.isFinite(share) || share < 0 || share > 1) throw new UnitcostError('invalid_argument', `--min-coverage must be a share from 0 to 1 (0.95 is 95%), got "${value}"`, { field: '--min-coverage' });
  return share;
}

const dollars = (exact: string): string => `$${Number(exact).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function textOf(result: Reconciliation): string {
  const lines = [result.summary, ''];
  const totals = result.totals;
  lines.push(`  billed        ${dollars(totals.billed_usd)}`);
  lines.push(`  recorded      ${dollars(totals.recorded_usd)} (at unitcost's prices)`);
  lines.push(`  seen          ${dollars(totals.seen_billed_usd)} of the bill${totals.coverage === null ? '' : ` (${(totals.coverage * 100).toFixed(1)}%)`}`);
  lines.push(`  untracked     ${dollars(totals.untracked_usd)}${Number(totals.unplaced_usd) > 0 ? ` (${dollars(totals.unplaced_usd)} of it on lines that name no model)` : ''}`);
  if (result.untracked_by_model.length > 0) {
    lines.push('', 'untracked spend by model (billed for tokens unitcost never recorded):');
    for (const entry of result.untracked_by_model) lines.push(`  ${entry.model.padEnd(32)} ${dollars(entry.untracked_usd).padStart(12)}   reported ${BigInt(entry.reported_quantity).toLocaleString('en-US')} tokens, recorded ${BigInt(entry.recorded_quantity).toLocaleString('en-US')}`);
  }
  if (result.price_mismatches.length > 0) {
    lines.push('', 'prices unitcost has wrong, and what would fix them:');
    for (const mismatch of result.price_mismatches) {
      lines.push(`  ${mismatch.summary} (${dollars(mismatch.gap_usd)})`);
      for (const discount of mismatch.suggestion.discounts ?? []) {
        lines.push(`    discounts: [{ provider: ${discount.provider}${discount.model === undefined ? '' : `, model: ${discount.model}`}, percent: ${discount.percent}, effective_from: ${discount.effective_from} }]`);
      }
      if (mismatch.suggestion.note !== undefined) lines.push(`    ${mismatch.suggestion.note}`);
    }
  }
  if (result.recorded_not_billed.length > 0) {
    lines.push('', 'recorded but never billed (another organization, a test key, a double count?):');
    for (const entry of result.recorded_not_billed) lines.push(`  ${entry.model} ${entry.token_class}: ${BigInt(entry.quantity).toLocaleString('en-US')}`);
  }
  return `${lines.join('\n')}\n`;
}

function csvOf(result: Reconciliation): string {
  const header = 'day,model,token_class,reported_quantity,recorded_quantity,billed_usd,recorded_usd,untracked_usd,price_gap_usd';
  const cell = (value: string | null): string => (value === null ? '' : /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const rows = result.rows.map((row) =>
    [row.day, row.model, row.token_class, row.reported_quantity, row.recorded_quantity, row.billed_usd, row.recorded_usd, row.untracked_usd, row.price_gap_usd].map(cell).join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}
