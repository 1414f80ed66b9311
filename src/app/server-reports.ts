import { buildKpiDashboard, kpiDashboardJson } from '../core/kpi/kpi-dashboard.js';
import { reportJson } from '../core/kpi/build-report.js';
import { parseFields, parseGroupBy, parsePeriod, parseTop, parseWhere } from '../core/kpi/report-request.js';
import { dayString } from '../core/kpi/report-periods.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { ReportReader } from '../store/report-reader.js';
import type { App } from './create-app.js';
import { parseInstant } from './parse-instant.js';
import { reportFrom, reportSettings } from './report-service.js';

/*
 * The report and the KPIs of `unitcost serve`: what `unitcost report` and `unitcost kpis` compute, over the
 * store the server already holds open (report-service opens and closes a store per command). Flags arrive
 * as the CLI spells them, without the dashes; filter values reach the store as bound parameters only.
 */

/** GET /v1/report's flags. */
export interface ReportFlags {
  by?: string;
  period?: string;
  from?: string;
  to?: string;
  where?: string[];
  /** The costliest rows of each period to list (`--top`); absent for every row. */
  top?: string;
  /** The measures each row carries, comma-separated (`--fields`); absent for every measure. */
  fields?: string;
}

/** GET /v1/kpis' flags. */
export interface KpiFlags {
  period?: string;
  to?: string;
  /** tag=value filters, as the report's (the dashboard's team and tier). */
  where?: string[];
}

/** The JSON of `unitcost report --json` for these flags. */
export async function reportOver(app: App, reader: ReportReader, flags: ReportFlags): Promise<Record<string, unknown>> {
  // Errors name the query parameters (by, where), not the CLI's flags (--by, --where).
  const grouping = parseGroupBy(flags.by === undefined ? ['feature'] : [flags.by], 'by');
  const period = flags.period ? parsePeriod(flags.period, 'period') : grouping.byTime ? 'day' : null;
  const where = parseWhere(flags.where ?? [], 'where');
  const top = flags.top === undefined ? undefined : parseTop(flags.top, 'top');
  const fields = flags.fields === undefined ? undefined : parseFields([flags.fields], 'fields');
  const from = flags.from === undefined ? undefined : wholeDay(flags.from, 'from');
  const to = flags.to === undefined ? undefined : wholeDay(flags.to, 'to');
  if (from !== undefined && to !== undefined && to <= from) {
    throw new UnitcostError('invalid_argument', `to ${to} must come after from ${from} (to is the first day after the report)`, { field: 'to' });
  }
  return reportJson(await reportFrom(app, reader, { groupBy: grouping.groupBy, period, from, to, where, top, fields }));
}

/** The JSON of `unitcost kpis --json`: the last day, week or month of data (ending the day before `to`). */
export async function kpisOver(app: App, reader: ReportReader, flags: KpiFlags): Promise<Record<string, unknown>> {
  const period = parsePeriod(flags.period ?? 'week', 'period');
  const to = flags.to === undefined ? undefined : wholeDay(flags.to, 'to');
  const where = parseWhere(flags.where ?? [], 'where');
  const settings = reportSettings(app.config);
  const aggregates = await reader.kpis({ period, to, where, revenue: settings.revenue, tiers: settings.tiers });
  return kpiDashboardJson(buildKpiDashboard(aggregates, period, settings.thresholds));
}

// Reports count whole UTC days, as the CLI's --from and --to do.
function wholeDay(value: string, field: string): string {
  const ms = parseInstant(value, field).getTime();
  if (ms % 86_400_000 !== 0) throw new UnitcostError('invalid_argument', `${field} must be a whole UTC day such as 2026-03-01 (reports count whole days), got "${value}"`, { field });
  return dayString(ms / 86_400_000);
}
