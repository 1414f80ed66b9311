import { formatMoney } from '../kpi/format-measures.js';
import { netSavingsPerMonth, optimizeDefaults, stackNetSavingsPerMonth, type DefaultLever, type LeverStack, type OptimizeDefaults } from './optimize-levers.js';
import type { OptimizeLeftOut, SimulationResult } from './simulation-result.js';

/**
 * The stack of `unitcost optimize`, built greedily: the best lever alone first, then each next lever in
 * rank order, kept only if the stack's net $/month saved rises with it.
 *
 * Stacking every lever that saves alone is not enough, because levers interact: a lever's saving is priced
 * on what the levers before it left. A response cache's look-up fee is paid on every call while the calls
 * it saves got cheaper (routed to a budget model, batched at half price); a fine-tune's training is paid
 * whole while a route already moved half the calls it would move. So a lever that saves alone can cost in
 * combination, and the full stack could save less than its best member. Starting from the best member and keeping only what adds makes the stack never
 * worse than it. (Greedy, not the best subset: that would take a replay per subset.)
 *
 * `replay` runs the recorded traffic under the given levers (the app's simulation); it is called once per
 * lever after the first that saves money alone, and once with no lever when none does.
 */
export async function stackLevers(
  alone: ReadonlyArray<{ lever: DefaultLever; result: SimulationResult }>,
  replay: (levers: DefaultLever[]) => Promise<SimulationResult>,
  defaults: OptimizeDefaults = optimizeDefaults,
): Promise<LeverStack> {
  // Rank order, as rankOptimization sorts (stable, so ties keep the order of the levers).
  const ranked = alone.map((entry) => ({ ...entry, net: netSavingsPerMonth(entry.lever, entry.result, defaults) })).sort((a, b) => b.net - a.net);
  const leftOut: OptimizeLeftOut[] = [];
  const levers: DefaultLever[] = [];
  let result: SimulationResult | null = null;
  let net = 0;
  for (const entry of ranked) {
    if (entry.net <= 0) {
      // A lever that loses money alone (self-hosting below its break-even volume, say) is not tried.
      leftOut.push({ kind: entry.lever.kind, reason: entry.net === 0 ? 'saves nothing alone' : `loses ${formatMoney(-entry.net)}/mo alone, net of one-off costs`, alone_usd_per_month: entry.net, stack_change_usd_per_month: null });
      continue;
    }
    if (result === null) {
      levers.push(entry.lever);
      result = entry.result;
      net = entry.net;
      continue;
    }
    const trial = await replay([...levers, entry.lever]);
    const trialNet = stackNetSavingsPerMonth([...levers, entry.lever], trial, defaults);
    if (trialNet > net) {
      levers.push(entry.lever);
      result = trial;
      net = trialNet;
      continue;
    }
    const before = levers.map((lever) => lever.kind).join(', ');
    leftOut.push({
      kind: entry.lever.kind,
      reason:
        trialNet === net
          ? `adds nothing on top of ${before}`
          : `saves ${formatMoney(entry.net)}/mo alone, but on top of ${before} it costs more than it saves: the stack saves ${formatMoney(trialNet)}/mo with it, ${formatMoney(net)}/mo without`,
      alone_usd_per_month: entry.net,
      stack_change_usd_per_month: trialNet - net,
    });
  }
  return { levers, result: result ?? (await replay([])), leftOut };
}
