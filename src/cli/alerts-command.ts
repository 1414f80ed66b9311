import type { Command } from 'commander';
import { runAlertsCheck } from '../app/governance/evaluate-alerts.js';
import { runAlertsNotify } from '../app/governance/alerts-notify-service.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { readThroughServer } from '../app/read-through-server.js';
import { needsAttention, type AlertsCheckJson } from '../core/governance/alerts/fired-alert-json.js';
import type { CliContext } from './cli-context.js';

interface AlertsCheckOptions {
  at?: string;
  json?: boolean;
  db?: string;
  notify?: boolean;
}

/** Registers `unitcost alerts` and its `check` subcommand. */
export function registerAlertsCommand(program: Command, context: CliContext): void {
  const alerts = program.command('alerts').description('alert rules over the stored spend: KPI thresholds, budget points and forecasts, spend anomalies with their cause');
  alerts
    .command('check')
    .description('evaluate every alert rule and budget now and print what fires, with the cause of each spend change; for cron')
    .option('--at <time>', 'evaluate as of this date (the end of that day) or timestamp, e.g. to replay last week (default: now)')
    .option('--json', 'print JSON for scripts (the same JSON as GET /v1/alerts)')
    .option('--db <file>', 'the store (default: ./unitcost.duckdb, the config\'s db or $UNITCOST_DB)')
    .option('--notify', 'also merge what fires into incidents and send their webhooks (alerts_delivery: in the config), as `unitcost serve` does after ingest; for cron where no server runs (docs/alert-delivery.md)')
    .addHelpText(
      'after',
      `
Exit codes, for cron:
  0  nothing fired, or only info alerts (e.g. a budget past 50%)
  1  a warning or critical alert fired (or an unexpected failure)
  2  bad input: a bad --at, a bad config, no store

Rules are configured under alerts: in unitcost.config.yaml (or .json); budgets: alert on their own
alert_at points and on a projected breach, without a rule. For example:

  alerts:
    - name: feature-spend          # named in alerts, incidents and webhooks
      kind: spend_anomaly          # against the same weekday (or hour of the week) of the last weeks
      per: feature                 # any tag: feature, team, user_tier, model, provider, …; left out: all spend
      grain: day                   # day or hour
      min_increase_usd: 25         # fire only above this many dollars more than usual (hour: 5, day: 25)
      min_relative_increase: 0.5   # … and at least +50%
    - name: faq-margin
      kind: kpi_threshold
      kpi: inference_margin        # or cost_share_of_arpu (above:), prompt_cache_hit_rate, response_cache_hit_rate
      per: feature
      equals: support-faq
      below: 0.4

Each spend alert names its cause: the change decomposed exactly into calls, input and output tokens per
call, model mix, cache hit rate and prices, e.g. "support-faq: output tokens per call ×3.1 since
2026-08-12 explains 84% of +$6,020". The method is in docs/alerts.md.

Examples:
  unitcost alerts check                        every rule and budget, now
  unitcost alerts check --at 2026-08-12        as of the end of August 12th
  */15 * * * * unitcost alerts check --json > /dev/null || notify   (cron)
  */15 * * * * unitcost alerts check --notify   (cron: incidents and signed webhooks, once per incident)`,
    )
    .action(async (options: AlertsCheckOptions) => {
      const app = context.app();
      const db = options.db === undefined ? {} : { db: options.db };
      if (options.notify) {
        // Incidents are live state: a replay with --at would open and notify incidents of the past.
        if (options.at !== undefined) throw new UnitcostError('invalid_argument', '--notify evaluates now and notifies; --at is for replays, without --notify', { field: '--at' });
        const notified = await runAlertsNotify(app, db);
        const { delivery } = notified;
        const summary = `incidents: ${delivery.opened.length} opened, ${delivery.updated.length} still open, ${delivery.resolved.length} resolved; webhooks: ${delivery.delivered} sent, ${delivery.outbox.pending} waiting to retry\n`;
        context.io.stdout(options.json ? `${JSON.stringify(notified, null, 2)}\n` : `${alertsText(notified)}${summary}`);
        if (needsAttention(notified.alerts)) context.setExitCode?.(1);
        return;
      }
      // While `unitcost serve` holds the store, the same answer comes from its GET /v1/alerts.
      const answer = await readThroughServer(
        app,
        db,
        () => runAlertsCheck(app, { ...db, ...(options.at === undefined ? {} : { at: options.at }) }),
        () => ({ method: 'GET', path: '/v1/alerts', query: options.at === undefined ? [] : [['at', options.at]] }),
      );
      const check = (answer.from === 'store' ? answer.value : answer.json) as AlertsCheckJson;
      if (answer.from === 'server') context.io.stderr(`the store is open in \`unitcost serve\` (pid ${answer.server.pid}): asked it at ${answer.server.url}\n`);
      context.io.stdout(options.json ? `${JSON.stringify(check, null, 2)}\n` : alertsText(check));
      if (needsAttention(check.alerts)) context.setExitCode?.(1);
    });
}

/** The alerts for people: one block per alert, most severe first, with the cause's parts. */
export function alertsText(check: AlertsCheckJson): string {
  if (check.alerts.length === 0) return `as of ${check.at}: no alerts\n`;
  const lines = [`as of ${check.at}: ${check.counts.critical} critical, ${check.counts.warning} warning, ${check.counts.info} info`];
  for (const alert of check.alerts) {
    lines.push('', `${alert.severity.toUpperCase()} ${alert.rule}: ${alert.title}`, `  key ${alert.key}`);
    if (alert.cause) {
      for (const part of alert.cause.contributions) {
        if (part.delta_usd_exact === '0') continue;
        lines.push(`  ${part.driver.padEnd(24)} ${`${part.delta_usd >= 0 ? '+' : ''}${part.delta_usd.toFixed(2)}`.padStart(11)} USD`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
