import { decimalToPicodollars, forEachBucketResult, ReportFormatError, type ReconcileClass, type ReportedCost, type ReportedUsage } from './provider-report.js';

/*
 * Anthropic's Admin API: the usage report (/v1/organizations/usage_report/messages) and the cost report
 * (/v1/organizations/cost_report) answer {data: [buckets], has_more, next_page}; a bucket is
 * {starting_at, ending_at (RFC 3339), results: [...]}. Cost amounts are cents, as decimal strings.
 */

type Json = Record<string, unknown>;

/** The results of every bucket of usage report pages: one row per day, model and class. */
export function anthropicUsageRows(pages: readonly unknown[], source: string): ReportedUsage[] {
  const rows: ReportedUsage[] = [];
  forEachResult(pages, source, (result, day, where) => {
    const model = result.model;
    if (typeof model !== 'string' || model === '') {
      throw new ReportFormatError(where, 'model', 'is missing: pull the usage report with group_by[]=model, so each result names its model');
    }
    const project = typeof result.workspace_id === 'string' ? result.workspace_id : null;
    const apiKey = typeof result.api_key_id === 'string' ? result.api_key_id : null;
    const push = (tokenClass: ReconcileClass, quantity: bigint): void => {
      if (quantity !== 0n) rows.push({ day, model, tokenClass, quantity, project, apiKey });
    };
    const creation = (result.cache_creation ?? {}) as Json;
    const serverTools = (result.server_tool_use ?? {}) as Json;
    push('input', count(result.uncached_input_tokens, where, 'uncached_input_tokens'));
    push('cache_read', count(result.cache_read_input_tokens, where, 'cache_read_input_tokens'));
    push('cache_write_5m', count(creation.ephemeral_5m_input_tokens, where, 'cache_creation.ephemeral_5m_input_tokens'));
    push('cache_write_1h', count(creation.ephemeral_1h_input_tokens, where, 'cache_creation.ephemeral_1h_input_tokens'));
    push('output', count(result.output_tokens, where, 'output_tokens'));
    // Web searches are billed per request ($10 per 1,000), not per token: a class of their own.
    push('web_search', count(serverTools.web_search_requests, where, 'server_tool_use.web_search_requests'));
  });
  return rows;
}

const tokenTypeClasses: Record<string, ReconcileClass> = {
  uncached_input_tokens: 'input',
  output_tokens: 'output',
  cache_read_input_tokens: 'cache_read',
  'cache_creation.ephemeral_5m_input_tokens': 'cache_write_5m',
  'cache_creation.ephemeral_1h_input_tokens': 'cache_write_1h',
};

/** Every line of cost report pages, in exact picodollars (the report's cents × 10^10). */
export function anthropicCostRows(pages: readonly unknown[], source: string): ReportedCost[] {
  const rows: ReportedCost[] = [];
  forEachResult(pages, source, (result, day, where) => {
    const currency = typeof result.currency === 'string' ? result.currency.toUpperCase() : 'USD';
    if (currency !== 'USD') throw new ReportFormatError(where, 'currency', `is "${String(result.currency)}": unitcost reconciles bills in USD only`);
    if (typeof result.amount !== 'string' && typeof result.amount !== 'number') throw new ReportFormatError(where, 'amount', 'is not a decimal amount of cents');
    const picodollars = decimalToPicodollars(result.amount, 10, where, 'amount');
    const model = typeof result.model === 'string' && result.model !== '' ? result.model : null;
    const costType = typeof result.cost_type === 'string' ? result.cost_type : '';
    const tokenType = typeof result.token_type === 'string' ? result.token_type : '';
    const tokenClass = costType === 'web_search' ? 'web_search' : (tokenTypeClasses[tokenType] ?? null);
    const description = typeof result.description === 'string' && result.description !== '' ? result.description : [model, costType, tokenType].filter(Boolean).join(' ');
    rows.push({ day, model, tokenClass, picodollars, description });
  });
  return rows;
}

function forEachResult(pages: readonly unknown[], source: string, visit: (result: Json, day: string, where: string) => void): void {
  forEachBucketResult(pages, source, { startField: 'starting_at', pageExpected: 'an Anthropic Admin API report {"data": [...], "has_more": …}' }, visit);
}

function count(value: unknown, where: string, field: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ReportFormatError(where, field, `is not a count: ${JSON.stringify(value)}`);
  return BigInt(value);
}
