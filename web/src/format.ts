/*
 * Display formats: the dashboard's one money format, prices per million tokens, percentages, counts. Every
 * page formats through these (never toFixed or a `$` of its own), so a column of dollars reads alike.
 */

/**
 * The one money format: dollars and cents with thousands separators ($1,234.50, $12.30, $0.40, $0.00).
 * An amount under a cent keeps three significant digits ($0.00423), so a per-call cost never reads as $0.00.
 * Negative amounts take a minus sign before the dollar sign (−$2.50).
 */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const absolute = Math.abs(value);
  const sign = value < 0 && absolute >= 5e-15 ? '−' : '';
  if (absolute >= 0.01 || absolute < 5e-15) return `${sign}$${cents(absolute)}`;
  // Under a cent: as many decimals as three significant digits need (capped where picodollars end).
  const decimals = Math.min(12, 2 - Math.floor(Math.log10(absolute)));
  const text = absolute.toFixed(decimals);
  return Number(text) >= 0.01 ? `${sign}$${cents(absolute)}` : `${sign}$${text}`;
}

function cents(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A price in $ per million tokens: $3.00/M, $0.075/M (prices under a dollar keep three significant digits). */
export function pricePerMillion(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0 || value >= 1) return `$${cents(value)}/M`;
  return `$${Number(value.toPrecision(3)).toString()}/M`;
}

/** 0.4231 → 42.3% */
export function percent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

/** 1234567 → 1,234,567 */
export function count(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** 0.83 → 0.83, 12.345 → 12.3 */
export function ratio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** An exact decimal-dollar string of the API (reconciliation amounts, "123.456789012345") in the one money format. */
export function usdExact(exact: string | null | undefined): string {
  return exact === null || exact === undefined || exact === '' ? '—' : usd(Number(exact));
}
