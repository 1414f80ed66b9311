import { picodollarsToUsd } from '../../cost/picodollars.js';
import type { SpendDecomposition } from './decompose-spend-change.js';
import type { AlertCause, CauseContribution } from './fired-alert.js';

/**
 * The cause of a spend change in words, naming its top contributor, e.g.
 * "support-faq: output tokens per call ×3.1 since 2026-08-12 explains 84% of +$6,020".
 */
export function describeSpendCause(scope: Record<string, string>, since: string, decomposition: SpendDecomposition): AlertCause {
  const change = decomposition.currentPicodollars - decomposition.baselinePicodollars;
  const top = decomposition.top;
  const share = change === 0n ? 0 : Math.round((Number(top.deltaPicodollars) / Number(change)) * 100);
  return {
    baselinePicodollars: decomposition.baselinePicodollars,
    currentPicodollars: decomposition.currentPicodollars,
    contributions: decomposition.contributions,
    summary: `${scopeLabel(scope)}: ${driverPhrase(top)} since ${since} explains ${share}% of ${signedDollars(change)}`,
  };
}

/** A scope for people: the value alone when there is one tag ("support-faq"), "all spend" for none. */
export function scopeLabel(scope: Record<string, string>): string {
  const entries = Object.entries(scope);
  if (entries.length === 0) return 'all spend';
  if (entries.length === 1 && entries[0]![0] === 'feature') return entries[0]![1];
  return entries.map(([tag, value]) => `${tag}=${value}`).join(', ');
}

/** What a driver did, e.g. "output tokens per call ×3.1" or "prompt cache hit rate 75% → 20%". */
export function driverPhrase(contribution: CauseContribution): string {
  const { before, after } = contribution;
  const times = before !== undefined && after !== undefined && before > 0 ? `×${formatFactor(after / before)}` : after !== undefined ? `${formatCount(before ?? 0)} → ${formatCount(after)}` : 'changed';
  switch (contribution.driver) {
    case 'calls':
      return `calls ${times}`;
    case 'input_tokens_per_call':
      return `input tokens per call ${times}`;
    case 'output_tokens_per_call':
      return `output tokens per call ${times}`;
    case 'cache_hit_rate':
      return `prompt cache hit rate ${percent(before)} → ${percent(after)}`;
    case 'model_mix':
      return contribution.detail === undefined ? 'model mix' : `routing to ${contribution.detail} (${percent(before)} → ${percent(after)} of calls)`;
    case 'price':
      return `prices ${times}`;
    case 'other':
      return `other charges per call ${times}`;
  }
}

/** "+$6,020", "−$12.50": whole dollars from $100, cents below. */
export function signedDollars(picodollars: bigint): string {
  const usd = picodollarsToUsd(picodollars);
  const magnitude = Math.abs(usd);
  const text = magnitude >= 100 ? Math.round(magnitude).toLocaleString('en-US') : magnitude.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${usd < 0 ? '−' : '+'}$${text}`;
}

function formatFactor(factor: number): string {
  return factor >= 10 ? factor.toFixed(0) : factor.toFixed(factor >= 1.95 ? 1 : 2);
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function percent(fraction: number | undefined): string {
  return fraction === undefined ? '?' : `${Math.round(fraction * 100)}%`;
}
