/**
 * What a provider's admin reports say, reduced to one shape both sides of a reconciliation share: per UTC
 * day, model and billing class, the quantity billed (tokens, or requests for per-request fees) and, from
 * the cost reports, the dollars billed. unitcost's own records are read into the same shape, so the
 * comparison is one join.
 */

/** The classes both a provider's report and unitcost's records can be split into. */
export const reconcileClasses = ['input', 'cache_read', 'cache_write_5m', 'cache_write_1h', 'output', 'input_audio', 'output_audio', 'web_search'] as const;

/** One billing class: tokens of a kind, or web-search requests (a per-request fee). */
export type ReconcileClass = (typeof reconcileClasses)[number];

/** The providers whose admin reports unitcost reads. */
export const reconcileProviders = ['openai', 'anthropic'] as const;

export type ReconcileProvider = (typeof reconcileProviders)[number];

/** A quantity the provider reports having billed: one day, model and class. */
export interface ReportedUsage {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** The model as the provider names it (gpt-4o-2024-08-06, claude-sonnet-4-5-20250929). */
  model: string;
  tokenClass: ReconcileClass;
  quantity: bigint;
  /** The project (OpenAI) or workspace (Anthropic) and key, when the report was grouped by them. */
  project?: string | null | undefined;
  apiKey?: string | null | undefined;
}

/** Dollars the provider billed: one day, and the model and class when its cost report says them. */
export interface ReportedCost {
  day: string;
  /** Null for a line the report does not tie to a model (a support plan, a fine-tuning job). */
  model: string | null;
  tokenClass: ReconcileClass | null;
  /** Exact, in picodollars. */
  picodollars: bigint;
  /** The provider's own words for the line, kept for lines we cannot place. */
  description: string;
}

/** Everything one provider's reports said over a window. */
export interface ProviderReport {
  provider: ReconcileProvider;
  usage: ReportedUsage[];
  costs: ReportedCost[];
  /** [from, to) of the buckets read, as UTC days. */
  fromDay: string;
  toDay: string;
}

/** A reason a report cannot be read, with where: which page or bucket, and which field. */
export class ReportFormatError extends Error {
  constructor(
    readonly where: string,
    readonly field: string,
    message: string,
  ) {
    super(`${where}: ${field} ${message}`);
  }
}

/**
 * Parses a decimal amount ("123.4567", 0.06, "1e-3") into an exact count of picodollars per unit of the
 * amount's scale: dollars × 10^12 for dollars, cents × 10^10 for cents. Amounts are never passed through a
 * float sum: a JSON number is read back from its shortest decimal spelling, which is what the provider wrote.
 */
export function decimalToPicodollars(amount: string | number, picodollarsPerUnitExponent: 12 | 10, where: string, field: string): bigint {
  const text = typeof amount === 'number' ? numberSpelling(amount) : amount.trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) throw new ReportFormatError(where, field, `is not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole = '', fraction = '', exponentText] = match;
  const exponent = Number(exponentText ?? 0) + picodollarsPerUnitExponent;
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '') || '0';
  const shift = exponent - fraction.length;
  let value: bigint;
  if (shift >= 0) value = BigInt(digits) * 10n ** BigInt(shift);
  else {
    // Below a picodollar: rounded half away from zero, which no real bill reaches.
    const divisor = 10n ** BigInt(-shift);
    const raw = BigInt(digits);
    value = (raw + divisor / 2n) / divisor;
  }
  return sign === '-' ? -value : value;
}

function numberSpelling(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(value);
}

/** The UTC day of an epoch-seconds or RFC 3339 bucket start. */
export function utcDay(start: number | string, where: string, field: string): string {
  const ms = typeof start === 'number' ? start * 1000 : Date.parse(start);
  if (!Number.isFinite(ms)) throw new ReportFormatError(where, field, `is not a time: ${JSON.stringify(start)}`);
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Visits every result of every bucket of admin API pages: both providers answer {data: [buckets]} with
 * {results: [...]} in each bucket, and differ in the bucket's start field (epoch seconds for OpenAI,
 * RFC 3339 for Anthropic). Each result comes with its UTC day and where it sits, for error messages.
 */
export function forEachBucketResult(
  pages: readonly unknown[],
  source: string,
  shape: { startField: 'start_time' | 'starting_at'; pageExpected: string },
  visit: (result: Record<string, unknown>, day: string, where: string) => void,
): void {
  pages.forEach((page, pageIndex) => {
    const pageWhere = `${source} page ${pageIndex + 1}`;
    const data = (page as { data?: unknown } | null)?.data;
    if (typeof page !== 'object' || page === null || !Array.isArray(data)) throw new ReportFormatError(pageWhere, 'data', `is missing: expected ${shape.pageExpected}`);
    data.forEach((bucket, bucketIndex) => {
      const where = `${pageWhere} data[${bucketIndex}]`;
      const record = bucket as Record<string, unknown> | null;
      if (typeof record !== 'object' || record === null || !Array.isArray(record.results)) throw new ReportFormatError(where, 'results', 'is missing');
      const start = record[shape.startField];
      const startOk = shape.startField === 'start_time' ? typeof start === 'number' : typeof start === 'string';
      if (!startOk) throw new ReportFormatError(where, shape.startField, shape.startField === 'start_time' ? 'is not an epoch time in seconds' : 'is not an RFC 3339 time');
      const day = utcDay(start as number | string, where, shape.startField);
      (record.results as unknown[]).forEach((result, resultIndex) => visit(result as Record<string, unknown>, day, `${where}.results[${resultIndex}]`));
    });
  });
}
