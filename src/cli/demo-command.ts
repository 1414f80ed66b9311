import type { Command } from 'commander';
import {
  checkDemoOptions,
  defaultDemoEndMs,
  demoPlans,
  fillStoreWithDemo,
  writeDemoJsonl,
  type DemoOptions,
  type DemoProgress,
} from '../app/demo-service.js';
import { openStore } from '../app/open-store.js';
import type { Plan } from '../core/events/plans.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';
import { parseDateOption } from './parse-date-option.js';

interface DemoCommandOptions {
  events: number;
  days: number;
  seed: number;
  end?: string;
  out?: string;
  db?: string;
  json?: boolean;
}

/** Registers `unitcost demo`. */
export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description('fill the store with realistic LLM traffic (or write it as JSONL with --out), so every report has something to show')
    .option('--events <n>', 'how many records: calls, task outcomes and invoices', (value) => wholeNumber(value, '--events'), 300_000)
    .option('--days <n>', 'how many days the traffic spans', (value) => positiveNumber(value, '--days'), 90)
    .option('--seed <n>', 'the same seed gives the same traffic', (value) => wholeNumber(value, '--seed'), 1)
    .option('--end <date>', 'when the traffic ends (default: the start of today, UTC)')
    .option('--out <file.jsonl>', 'write the records as JSONL instead of storing them, for benchmarks and tests')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, or $UNITCOST_DB, or db in the config)')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
The traffic: a support FAQ bot on claude-haiku-4-5 with a cached 6k-token system prompt and a semantic
cache; a coding agent on claude-opus-4-7 whose context grows every step, with task outcomes; a summarizer
on gpt-5-mini sending raw provider usage; an intent classifier on gemini-2.5-flash-lite with tiny outputs,
and a few calls to a self-hosted model no catalog knows (stored unpriced). Free, pro and enterprise users
with heavy-tailed usage, retries, cancellations, and the paying users' invoices (seat and overage) as
revenue records, so margins and ARPU show with no config.

Examples:
  unitcost demo                                   300k records over 90 days into ./unitcost.duckdb
  unitcost demo --events 10000000 --out demo.jsonl
  unitcost demo --seed 7 --end 2026-03-01 --db demo.duckdb`,
    )
    .action(async (options: DemoCommandOptions) => {
      const app = context.app();
      const demo: DemoOptions = {
        events: options.events,
        days: options.days,
        seed: options.seed,
        endMs: options.end ? parseDateOption(options.end, '--end').getTime() : defaultDemoEndMs(app.now()),
      };
      checkDemoOptions(demo);
      const progress = context.io.isTty && !options.json ? progressLine(context.io.stderr, () => app.now().getTime()) : undefined;
      try {
        if (options.out) {
          const result = await writeDemoJsonl(options.out, demo, progress?.update);
          progress?.clear();
          if (options.json) return void context.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
          context.io.stdout(
            [
              `wrote ${count(result.records)} records (${count(result.usageEvents)} calls, ${count(result.outcomes)} task outcomes, ${count(result.revenue)} invoices) to ${result.path}`,
              `  ${megabytes(result.bytes)}, ${day(result.fromMs)} to ${day(result.toMs)}, seed ${demo.seed}`,
              `load it with: unitcost ingest ${options.out}`,
              '',
            ].join('\n'),
          );
          return;
        }
        const store = await openStore(app, options.db === undefined ? {} : { db: options.db });
        try {
          const result = await fillStoreWithDemo(app, store, demo, progress?.update);
          progress?.clear();
          if (options.json) return void context.io.stdout(`${JSON.stringify({ store: store.location, ...result }, null, 2)}\n`);
          const lines = [
            `stored ${count(result.records)} demo records in ${store.location}: ${count(result.usageEvents)} calls, ${count(result.outcomes)} task outcomes, ${count(result.revenue)} invoices`,
            `  ${day(result.fromMs)} to ${day(result.toMs)}, seed ${demo.seed}; ${count(result.inserted)} new, ${count(result.duplicates)} already stored`,
            `  ${count(result.unpriced)} calls of a self-hosted model the catalog does not know are stored unpriced (see them in every report)`,
          ];
          if (result.conflicts > 0) {
            lines.push(
              `  ${count(result.conflicts)} records conflict with demo records of the same seed but another end date; the stored ones were kept.`,
              '  For a fresh demo use another --db, another --seed, or the same --end as before.',
            );
          }
          lines.push(
            '',
            'The demo bills its users as revenue records, per these plans (leave them out of your config while the demo data is stored, or seats count twice):',
            ...Object.entries(demoPlans).map(([tier, plan]) => `  ${tier.padEnd(10)} ${describePlan(plan)}`),
            '',
            'next: unitcost report --by feature    unitcost report --by user_tier,model --period month    unitcost kpis',
            '',
          );
          context.io.stdout(lines.join('\n'));
        } finally {
          await store.close();
        }
      } finally {
        progress?.clear();
      }
    });
}

function describePlan(plan: Plan): string {
  const seat = `$${plan.seat_price_usd_per_month}/seat/month`;
  if (plan.overage_usd_per_request === undefined) return seat;
  return `${seat}, ${count(plan.included_requests ?? 0)} requests included, then $${plan.overage_usd_per_request} per request`;
}

// A one-line progress on the terminal: percent, rate and ETA; redrawn at most ten times a second.
function progressLine(write: (text: string) => void, nowMs: () => number): { update: (progress: DemoProgress) => void; clear: () => void } {
  const startedMs = nowMs();
  let drawnMs = 0;
  return {
    update: (progress) => {
      const now = nowMs();
      if (now - drawnMs < 100) return;
      drawnMs = now;
      const seconds = Math.max((now - startedMs) / 1000, 0.001);
      const share = Math.min(progress.records / progress.total, 1);
      const eta = share > 0 ? Math.ceil((seconds / share) * (1 - share)) : 0;
      write(`\rdemo: ${(share * 100).toFixed(0).padStart(3)}% ${count(progress.records)} records, ${count(Math.round(progress.records / seconds))}/s, ETA ${eta}s\u001b[K`);
    },
    clear: () => {
      if (drawnMs > 0) write('\r\u001b[K');
      drawnMs = 0;
    },
  };
}

const count = (value: number): string => value.toLocaleString('en-US');
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const megabytes = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

function wholeNumber(value: string, flag: string): number {
  const parsed = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new UnitcostError('invalid_argument', `${flag} must be a whole number, got "${value}"`, { field: flag });
  }
  return parsed;
}

function positiveNumber(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new UnitcostError('invalid_argument', `${flag} must be a positive number, got "${value}"`, { field: flag });
  }
  return parsed;
}
