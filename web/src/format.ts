/** Display formats: dollars with sensible precision, percentages, counts. */

/** $1,234, $12.35, $0.0123, $0.000042: enough significant digits for per-call costs. */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const absolute = Math.abs(value);
  if (absolute >= 1000) return `$${value.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
  if (absolute >= 1) return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (absolute === 0) return '$0';
  if (absolute >= 0.1) return `$${value.toFixed(2)}`;
  return `$${value.toPrecision(3).replace(/0+$/, '').replace(/\.$/, '')}`;
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
