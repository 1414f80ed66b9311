import { formatUsd } from '../cost/picodollars.js';

/** How reports and the dashboard print measures: one place, so that both read alike. */

/** A share or rate as a percentage with one decimal; "—" when unknown. */
export function formatShare(value: number | null): string {
  if (value === null) return '—';
  return `${(Math.round(value * 1000) / 10).toFixed(1)}%`;
}

/** A change: relative as "+12.3%", in points as "−8.1 pts"; empty when unknown. */
export function formatChange(value: number | null, kind: 'relative' | 'points'): string {
  if (value === null) return '';
  const magnitude = Math.round(Math.abs(value) * 1000) / 10;
  const sign = magnitude === 0 ? '±' : value > 0 ? '+' : '−';
  return kind === 'relative' ? `${sign}${magnitude.toFixed(1)}%` : `${sign}${magnitude.toFixed(1)} pts`;
}

/** Dollars, or "—" when there is nothing to divide by (no calls, no successful task). */
export function formatMoney(value: number | null): string {
  return value === null ? '—' : formatUsd(value);
}

/** A count with thousands separators. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** A large count of tokens compactly: 950, 12.3k, 4.5M, 1.2B. */
export function formatTokens(value: number): string {
  const units: Array<[number, string]> = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) if (Math.abs(value) >= size) return `${Number((value / size).toPrecision(3))}${suffix}`;
  return String(value);
}

/** A ratio such as output ÷ input tokens, to two significant decimals. */
export function formatRatio(value: number | null): string {
  if (value === null) return '—';
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
