/*
 * The answer of GET /v1/reconcile, as the reconciliation page reads it: the core's own type (the JSON of
 * `unitcost reconcile --json`, docs/reconcile.md), imported as a type only, with when the reports were pulled.
 */
import type { PriceMismatch, Reconciliation } from '../../src/core/reconcile/reconcile-spend.js';

/** What the server answers. */
export type ReconcileJson = Reconciliation & { pulled_at: string };

/** A price unitcost has wrong, with the config change that closes it. */
export type Mismatch = PriceMismatch;

/** The config lines a mismatch suggests, as they go in unitcost.config.yaml; null when it suggests no line. */
export function configLines(mismatch: Mismatch): string | null {
  const discounts = mismatch.suggestion.discounts;
  if (!discounts || discounts.length === 0) return null;
  const entries = discounts.map((discount) => `  - { provider: ${discount.provider}${discount.model === undefined ? '' : `, model: ${discount.model}`}, percent: ${discount.percent}, effective_from: ${discount.effective_from} }`);
  return `discounts:\n${entries.join('\n')}`;
}
