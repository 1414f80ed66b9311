import type { ModelKey, ReplayPlan, SimulationRateRow } from '../core/simulate/replay-plan.js';
import type { SimulationGroupRow } from '../core/simulate/replay-sums.js';
import type { TimeRange } from './event-writer.js';

export { simulationSums, type SimulationGroupRow, type SimulationSum } from '../core/simulate/replay-sums.js';

/** What the store replays: the compiled plan, the models it prices and their rates. */
export interface ReplayQuery {
  range: TimeRange;
  plan: ReplayPlan;
  keys: ModelKey[];
  rates: SimulationRateRow[];
  /**
   * Also group by (user_tier, user_id), for the users served at a loss. A 'user' row carries the calls made,
   * priced and unpriced, the scenario's cost and the stored cost and calls; its other sums are 0.
   */
  byUser: boolean;
}

/** A store that can replay its recorded calls under a what-if plan. */
export interface SimulationReplayer {
  /** Replays the calls of a range under a plan, in one pass, and sums them by feature, user tier, route rule and in total. */
  replay(query: ReplayQuery): Promise<SimulationGroupRow[]>;
  /** Per feature of a range: its main model and the percentiles optimize's defaults are made of. */
  featureProfiles(range: TimeRange): Promise<FeatureTrafficProfile[]>;
}

/** What `unitcost optimize` measures per feature to state its defaults. */
export interface FeatureTrafficProfile {
  feature: string;
  /** The feature's most used stored (provider, model). */
  provider: string | null;
  model: string;
  medianInputTokens: number;
  p90OutputTokens: number;
  /** Calls per session (session_id, else task_id), 95th percentile; null without sessions. */
  p95SessionCalls: number | null;
}
