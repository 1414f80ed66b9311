import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { anthropicCostRows, anthropicUsageRows } from '../../core/reconcile/anthropic-admin-reports.js';
import { openaiCostRows, openaiUsageRows } from '../../core/reconcile/openai-admin-reports.js';
import { ReportFormatError, type ReconcileProvider, type ReportedCost, type ReportedUsage } from '../../core/reconcile/provider-report.js';
import { UnitcostError } from '../../core/unitcost-error.js';

/** Which of a provider's admin reports a file or a pull holds. */
export type ReportKind = 'usage' | 'costs';

/** The rows read from one file or one pull, with the days they cover, to catch overlaps and wrong periods. */
export interface LoadedReport {
  source: string;
  kind: ReportKind;
  usage: ReportedUsage[];
  costs: ReportedCost[];
  days: Set<string>;
}

/**
 * Reads a saved admin API answer: one page as the API returned it, a JSON array of pages, or one page per
 * line. Which report it is (usage or costs) is read from its results, so files can be given in any order.
 */
export function loadReportFile(provider: ReconcileProvider, path: string): LoadedReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UnitcostError('invalid_argument', `cannot read ${path}: ${(error as Error).message}`, { file: path });
  }
  const pages = parsePages(text, path);
  return readPages(provider, pages, basename(path), path);
}

/** Turns pages into rows, telling usage from costs by the shape of their first result. */
export function readPages(provider: ReconcileProvider, pages: unknown[], source: string, file?: string): LoadedReport {
  const kind = detectKind(provider, pages, source);
  try {
    const usage = kind === 'usage' ? (provider === 'openai' ? openaiUsageRows(pages, source) : anthropicUsageRows(pages, source)) : [];
    const costs = kind === 'costs' ? (provider === 'openai' ? openaiCostRows(pages, source) : anthropicCostRows(pages, source)) : [];
    const days = new Set<string>([...usage.map((row) => row.day), ...costs.map((row) => row.day)]);
    return { source, kind, usage, costs, days };
  } catch (error) {
    if (error instanceof ReportFormatError) throw new UnitcostError('invalid_argument', error.message, { field: error.field, ...(file === undefined ? {} : { file }) });
    throw error;
  }
}

function parsePages(text: string, path: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new UnitcostError('invalid_argument', `${path} is empty`, { file: path });
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value) ? value : [value];
  } catch {
    // One page per line, as a script that pages through the API and appends each answer writes them.
    return trimmed.split('\n').flatMap((line, index) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch (error) {
        throw new UnitcostError('invalid_argument', `${path}:${index + 1}: is not JSON (a saved API answer, an array of them, or one per line): ${(error as Error).message}`, { file: path, line: index + 1 });
      }
    });
  }
}

function detectKind(provider: ReconcileProvider, pages: unknown[], source: string): ReportKind {
  for (const page of pages) {
    const buckets = (page as { data?: unknown }).data;
    if (!Array.isArray(buckets)) continue;
    for (const bucket of buckets) {
      const results = (bucket as { results?: unknown }).results;
      if (!Array.isArray(results) || results.length === 0) continue;
      const first = results[0] as Record<string, unknown>;
      if (provider === 'openai') {
        const object = String(first.object ?? '');
        if (object.startsWith('organization.usage.')) return 'usage';
        if (object === 'organization.costs.result' || 'amount' in first) return 'costs';
        if ('uncached_input_tokens' in first || 'cost_type' in first) break;
      } else {
        if ('uncached_input_tokens' in first || 'output_tokens' in first) return 'usage';
        if ('cost_type' in first || 'amount' in first) return 'costs';
        if (String(first.object ?? '').startsWith('organization.')) break;
      }
      throw new UnitcostError('invalid_argument', `${source}: its results are not ${provider}'s usage or cost report (first result has ${Object.keys(first).slice(0, 6).join(', ')})`, { field: 'results' });
    }
  }
  // A report with no results at all says nothing was used: empty usage.
  const anyResults = pages.some((page) => Array.isArray((page as { data?: unknown }).data) && ((page as { data: unknown[] }).data).some((bucket) => Array.isArray((bucket as { results?: unknown }).results) && ((bucket as { results: unknown[] }).results).length > 0));
  if (!anyResults) return 'usage';
  throw new UnitcostError('invalid_argument', `${source} is not ${provider}'s usage or cost report: is it the other provider's? (pass the provider first: unitcost reconcile ${provider === 'openai' ? 'anthropic' : 'openai'} …)`, { field: 'provider' });
}

/** Refuses two reports of the same kind that cover the same day: summed, they would double the bill. */
export function checkNoOverlap(reports: LoadedReport[]): void {
  for (let i = 0; i < reports.length; i += 1) {
    for (let j = i + 1; j < reports.length; j += 1) {
      const a = reports[i]!;
      const b = reports[j]!;
      if (a.kind !== b.kind) continue;
      const shared = [...a.days].filter((day) => b.days.has(day)).sort();
      if (shared.length > 0) {
        throw new UnitcostError(
          'invalid_argument',
          `${a.source} and ${b.source} are both ${a.kind} reports covering ${shared[0]}${shared.length > 1 ? ` to ${shared.at(-1)} (${shared.length} days)` : ''}: give each day once, or they would count twice`,
          { field: 'files' },
        );
      }
    }
  }
}
