import { usdToExactPicodollars } from '../events/exact-decimal.js';
import { drawKeyOf, drawScale, drawThreshold, emptyReplayPlan, type ReplayPlan } from './replay-plan.js';
import { leverFeatures, scenarioLevers, type SimulationScenario } from './scenario-schema.js';

/** How the app resolved the models a scenario names to replay model keys. */
export interface ResolvedModels {
  /** The key of the model a route or fine-tune lever sends calls to, by lever index. */
  targetKey: (leverIndex: number) => number;
  /** The keys whose rates a price_change override replaces. */
  overriddenKeys: readonly number[];
}

const list = (value: string | string[] | undefined): string[] | null => (value === undefined ? null : Array.isArray(value) ? value : [value]);

/** Compiles a checked scenario into the replay plan both replays execute. */
export function compileReplayPlan(scenario: SimulationScenario, models: ResolvedModels): ReplayPlan {
  const plan = emptyReplayPlan();
  for (const lever of scenarioLevers(scenario)) {
    const features = leverFeatures(lever);
    const index = lever.index;
    switch (lever.kind) {
      case 'route': {
        const { when, cascade, misroute_rate: misrouteRate, share, to: _to } = lever.settings;
        plan.routes.push({
          lever: index,
          drawKey: drawKeyOf(lever.kind, features),
          features,
          tiers: list(when?.user_tier),
          inputAbove: when?.input_tokens_above ?? null,
          inputAtMost: when?.input_tokens_at_most ?? null,
          stepFrom: when?.step_from ?? null,
          stepTo: when?.step_to ?? null,
          selectBelow: drawThreshold(share),
          toKey: models.targetKey(index),
          escalateBelow: drawThreshold(cascade ? cascade.escalation_share : misrouteRate),
        });
        break;
      }
      case 'fine_tune':
        plan.fineTunes.push({ lever: index, drawKey: drawKeyOf(lever.kind, features), features, selectBelow: drawThreshold(lever.settings.share), toKey: models.targetKey(index) });
        break;
      case 'prompt_cache':
        plan.promptCaches.push({ lever: index, drawKey: drawKeyOf(lever.kind, features), features, prefixTokens: lever.settings.prefix_tokens, hitBelow: drawThreshold(lever.settings.hit_rate), oneHour: lever.settings.ttl === '1h' });
        break;
      case 'response_cache':
        plan.responseCaches.push({
          lever: index,
          drawKey: drawKeyOf(lever.kind, features),
          features,
          hitBelow: drawThreshold(lever.settings.hit_rate),
          ttlMs: lever.settings.ttl_minutes === undefined ? null : Math.round(lever.settings.ttl_minutes * 60_000),
          lookupPicodollars: usdToExactPicodollars(lever.settings.embedding_usd_per_lookup),
        });
        break;
      case 'output_cap':
        plan.outputCaps.push({ lever: index, features, maxTokens: lever.settings.max_tokens });
        break;
      case 'prompt_trim':
        plan.trims.push({ lever: index, features, sharePpm: Math.round(lever.settings.share * drawScale), afterStep: lever.settings.after_step ?? null });
        break;
      case 'session_limit':
        plan.sessionLimits.push({
          lever: index,
          features,
          maxSteps: lever.settings.max_steps ?? null,
          maxSessionPicodollars: lever.settings.max_session_usd === undefined ? null : usdToExactPicodollars(lever.settings.max_session_usd),
        });
        break;
      case 'price_change': {
        const batch = lever.settings.batch;
        plan.priceChange = {
          lever: index,
          allCalls: lever.settings.at !== undefined,
          overriddenKeys: models.overriddenKeys,
          batch: batch ? { features: list(batch.feature), discountPpm: Math.round(batch.discount * drawScale) } : null,
        };
        break;
      }
      case 'self_host':
        plan.selfHosts.push({ lever: index, features });
        break;
      case 'plans':
        // Plans change revenue, not calls: applied after the replay (see simulate-service.ts).
        break;
    }
  }
  return plan;
}
