import type { GatewayServices } from '../app/gateway/gateway-services.js';
import type { BudgetReservation } from '../core/gateway/budget-ledger.js';
import { budgetRefusal } from '../core/gateway/budget-refusal.js';
import type { GatewayUsageEvent } from '../core/gateway/gateway-event.js';
import type { GatewayRefusal } from '../core/gateway/gateway-refusal.js';
import type { GatewayTags } from '../core/gateway/gateway-tags.js';
import { normalizedUsage, type NormalizedUsage } from '../core/usage/normalized-usage.js';

/** What the budgets said about a call: go, with what it holds and the soft budgets it passes, or the refusal. */
export type BudgetDecision =
  | { ok: true; reservation: BudgetReservation | undefined; softBudgetsExceeded: string[] }
  | { ok: false; refusal: GatewayRefusal; budget: string };

/**
 * A call's worst-case cost in picodollars: the input estimated from the body, and the output at the
 * request's own limit (after any output cap) or the configured assumption. It is priced as the event will
 * be, so reservation and settlement use one price. A model the catalog cannot price cannot be bounded: 0.
 */
export function worstCaseCost(
  services: GatewayServices,
  call: { estimatedInputTokens: number; body: Record<string, unknown>; outputLimitFields: readonly string[] },
  eventOf: (usage: NormalizedUsage) => GatewayUsageEvent,
): number {
  const limit = call.outputLimitFields.map((field) => call.body[field]).find((value): value is number => typeof value === 'number');
  // An endpoint without an output limit (embeddings) generates nothing.
  const outputTokens = call.outputLimitFields.length === 0 ? 0 : (limit ?? services.config.policies.reserve_output_tokens);
  return services.priceOf(eventOf(normalizedUsage({ inputTotal: call.estimatedInputTokens, outputTotal: outputTokens }))) ?? 0;
}

/**
 * Reserves a call's worst case (computed only when there is a budget to keep) on its budgets before it
 * goes upstream. A model the catalog cannot price is let through and shows as unpriced in reports.
 */
export function reserveBudget(services: GatewayServices, call: { tags: GatewayTags }, worstCase: () => number): BudgetDecision {
  if (services.budgets.empty) return { ok: true, reservation: undefined, softBudgetsExceeded: [] };
  const amount = worstCase();
  const result = services.budgets.reserve(call.tags, amount, services.now());
  if (!result.ok) return { ok: false, refusal: budgetRefusal(result.breach, amount), budget: result.breach.budget.name };
  return { ok: true, reservation: result.reservation, softBudgetsExceeded: result.softBreaches.map((breach) => breach.budget.name) };
}
