import { decimalToPicodollars, forEachBucketResult, ReportFormatError, type ReconcileClass, type ReportedCost, type ReportedUsage } from './provider-report.js';

/*
 * OpenAI's organization Usage API (/v1/organization/usage/completions, /embeddings) and Costs API
 * (/v1/organization/costs) answer in pages: {object: "page", data: [buckets], has_more, next_page}; a
 * bucket is {start_time, end_time (epoch seconds), results: [...]}. Usage results carry their group keys
 * (model, project_id, api_key_id) when the request grouped by them, else null.
 */

type Json = Record<string, unknown>;

/** The results of every bucket of usage pages: one row per day, model and class with tokens in it. */
export function openaiUsageRows(pages: readonly unknown[], source: string): ReportedUsage[] {
  const rows: ReportedUsage[] = [];
  forEachResult(pages, source, (result, day, where) => {
    const object = typeof result.object === 'string' ? result.object : '';
    const model = result.model;
    if (typeof model !== 'string' || model === '') {
      throw new ReportFormatError(where, 'model', 'is missing: pull the usage report with group_by=model, so each result names its model');
    }
    const count = (field: string): bigint => tokenCount(result[field], where, field);
    const push = (tokenClass: ReconcileClass, quantity: bigint): void => {
      if (quantity !== 0n) rows.push({ day, model, tokenClass, quantity, project: nullableString(result.project_id), apiKey: nullableString(result.api_key_id) });
    };
    if (object.includes('embeddings')) {
      push('input', count('input_tokens'));
      return;
    }
    if (!object.includes('completions')) throw new ReportFormatError(where, 'object', `is "${object}": only completions and embeddings usage can be reconciled`);
    const input = count('input_tokens');
    const cached = optionalCount(result.input_cached_tokens, where, 'input_cached_tokens');
    const inputAudio = optionalCount(result.input_audio_tokens, where, 'input_audio_tokens');
    const outputAudio = optionalCount(result.output_audio_tokens, where, 'output_audio_tokens');
    // input_tokens counts every input token, cached and audio ones included; unitcost bills the rest as plain input.
    const uncached = input - cached - inputAudio;
    if (uncached < 0n) throw new ReportFormatError(where, 'input_tokens', `(${input}) is less than input_cached_tokens + input_audio_tokens (${cached + inputAudio})`);
    push('input', uncached);
    push('cache_read', cached);
    push('input_audio', inputAudio);
    push('output', count('output_tokens') - outputAudio);
    push('output_audio', outputAudio);
  });
  return rows;
}

// A cost line names the model and what of it was billed: "gpt-4o-2024-08-06, input", "…, cached input".
const lineItemClasses: Array<[RegExp, ReconcileClass]> = [
  [/^cached input$/, 'cache_read'],
  [/^(?:audio input|input audio)$/, 'input_audio'],
  [/^(?:audio output|output audio)$/, 'output_audio'],
  [/^input$/, 'input'],
  [/^output$/, 'output'],
  [/^web search/, 'web_search'],
];

/** Every cost line of cost pages, in exact picodollars; a line that names no model is kept, with model null. */
export function openaiCostRows(pages: readonly unknown[], source: string): ReportedCost[] {
  const rows: ReportedCost[] = [];
  forEachResult(pages, source, (result, day, where) => {
    const amount = result.amount as Json | undefined;
    if (typeof amount !== 'object' || amount === null) throw new ReportFormatError(where, 'amount', 'is missing');
    const currency = typeof amount.currency === 'string' ? amount.currency.toLowerCase() : '';
    if (currency !== 'usd') throw new ReportFormatError(where, 'amount.currency', `is "${String(amount.currency)}": unitcost reconciles bills in USD only`);
    if (typeof amount.value !== 'number' && typeof amount.value !== 'string') throw new ReportFormatError(where, 'amount.value', 'is not a number');
    const picodollars = decimalToPicodollars(amount.value, 12, where, 'amount.value');
    const lineItem = typeof result.line_item === 'string' ? result.line_item : '';
    const comma = lineItem.lastIndexOf(', ');
    const model = comma > 0 ? lineItem.slice(0, comma) : null;
    const what = comma > 0 ? lineItem.slice(comma + 2).trim().toLowerCase() : '';
    const tokenClass = lineItemClasses.find(([pattern]) => pattern.test(what))?.[1] ?? null;
    rows.push({ day, model, tokenClass, picodollars, description: lineItem === '' ? '(no line item)' : lineItem });
  });
  return rows;
}

function forEachResult(pages: readonly unknown[], source: string, visit: (result: Json, day: string, where: string) => void): void {
  forEachBucketResult(pages, source, { startField: 'start_time', pageExpected: 'an OpenAI admin API page {"object": "page", "data": [...]}' }, visit);
}

function tokenCount(value: unknown, where: string, field: string): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ReportFormatError(where, field, `is not a token count: ${JSON.stringify(value)}`);
  return BigInt(value);
}

function optionalCount(value: unknown, where: string, field: string): bigint {
  return value === undefined || value === null ? 0n : tokenCount(value, where, field);
}

function nullableString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
