import { PICODOLLARS_PER_USD, formatUsd } from '../cost/picodollars.js';

/** The limits a feature's AI cost is judged by, as shares of ARPU. */
export interface ViabilityThresholds {
  /** The largest share of ARPU the AI cost may take. */
  maxCostShareOfArpu: number;
  /** The smallest gross margin, (ARPU − AI cost) / ARPU, that still counts as healthy. */
  minInferenceMargin: number;
}

/** viable: within every threshold; at_risk: a threshold breached but still profitable; unviable: AI cost eats all revenue. */
export type Verdict = 'viable' | 'at_risk' | 'unviable';

/** One threshold a cost breaks, in numbers and in words. */
export interface ThresholdBreach {
  threshold: 'max_cost_share_of_arpu' | 'min_inference_margin' | 'positive_margin';
  limit: number;
  actual: number;
  explanation: string;
}

/** A cost per user-month set against ARPU. */
export interface Viability {
  costShareOfArpu: number;
  grossMargin: number;
  verdict: Verdict;
  breaches: ThresholdBreach[];
}

/** Judges an AI cost per user per month (picodollars) against ARPU (dollars) and the thresholds. */
export function judgeViability(costPerUserMonth: number, arpuUsd: number, thresholds: ViabilityThresholds): Viability {
  const costUsd = costPerUserMonth / PICODOLLARS_PER_USD;
  const costShareOfArpu = costUsd / arpuUsd;
  const grossMargin = (arpuUsd - costUsd) / arpuUsd;
  const breaches: ThresholdBreach[] = [];
  if (grossMargin <= 0) {
    breaches.push({
      threshold: 'positive_margin',
      limit: 0,
      actual: grossMargin,
      explanation: `AI cost of ${formatUsd(costUsd)} per user per month is at or above the ARPU of ${formatUsd(arpuUsd)}: every user loses money`,
    });
  }
  if (costShareOfArpu > thresholds.maxCostShareOfArpu) {
    breaches.push({
      threshold: 'max_cost_share_of_arpu',
      limit: thresholds.maxCostShareOfArpu,
      actual: costShareOfArpu,
      explanation: `AI cost takes ${percent(costShareOfArpu)} of ARPU, above the ${percent(thresholds.maxCostShareOfArpu)} ceiling (max_cost_share_of_arpu)`,
    });
  }
  if (grossMargin < thresholds.minInferenceMargin) {
    breaches.push({
      threshold: 'min_inference_margin',
      limit: thresholds.minInferenceMargin,
      actual: grossMargin,
      explanation: `gross margin after AI cost is ${percent(grossMargin)}, below the ${percent(thresholds.minInferenceMargin)} floor (min_inference_margin)`,
    });
  }
  const verdict: Verdict = grossMargin <= 0 ? 'unviable' : breaches.length > 0 ? 'at_risk' : 'viable';
  return { costShareOfArpu, grossMargin, verdict, breaches };
}

/** A ratio as a percentage with one decimal, e.g. 0.256 → "25.6%". */
export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1).replace(/\.0$/, '')}%`;
}
