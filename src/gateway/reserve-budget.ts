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
 * Reserves a call's worst case on its budgets before it goes upstream: the input estimated from the body,
 * and the output at the request's own limit (after any output cap) or the configured assumption. The cost
 * is priced as the event will be, so reservation and settlement use one price.
 */
export function reserveBudget(
  services: GatewayServices,
  call: { tags: GatewayTags; estimatedInputTokens: number; body: Record<string, unknown>; outputLimitFields: readonly string[] },
  eventOf: (usage: NormalizedUsage) => GatewayUsageEvent,
): BudgetDecision {
  const policies = services.config.policies;
  if (services.budgets.empty) return { ok: true, reservation: undefined, softBudgetsExceeded: [] };
  const limit = call.outputLimitFields.map((field) => call.body[field]).find((value): value is number => typeof value === 'number');
  // An endpoint without an output limit (embeddings) generates nothing.
  const outputTokens = call.outputLimitFields.length === 0 ? 0 : (limit ?? policies.reserve_output_tokens);
  // A model the catalog cannot price cannot be bounded; it is let through and shows as unpriced in reports.
  const worstCase = services.priceOf(eventOf(normalizedUsage({ inputTotal: call.estimatedInputTokens, outputTotal: outputTokens }))) ?? 0;
  const result = services.budgets.reserve(call.tags, worstCase, services.now());
  if (!result.ok) return { ok: false, refusal: budgetRefusal(result.breach, worstCase), budget: result.breach.budget.name };
  return { ok: true, reservation: result.reservation, softBudgetsExceeded: result.softBreaches.map((breach) => breach.budget.name) };
}
