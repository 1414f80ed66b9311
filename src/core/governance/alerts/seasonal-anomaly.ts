import { picodollarsOfUsd } from '../../kpi/unit-ratios.js';
import { defaultMinIncreaseUsd, type SpendAnomalyRule } from './alert-config.js';

/** The length of a bucket of each anomaly grain, and of the week its seasonal baseline steps back by. */
export const grainMs = { hour: 3_600_000, day: 86_400_000 } as const;
export const weekMs = 7 * grainMs.day;

/** How far back an episode is traced: past this, an anomaly is the new level and no longer news. */
export const maxEpisodeBuckets = { hour: 48, day: 14 } as const;

/** Spend per bucket start (ms) of one series; a bucket missing spent nothing. */
export type BucketSpend = ReadonlyMap<number, bigint>;

/** One window against its seasonal baseline. */
export interface SeasonalVerdict {
  currentPicodollars: bigint;
  /** The median of the same window in each of the last weeks. */
  baselinePicodollars: bigint;
  /** The starts of the baseline windows the median is made of (the middle one or two): the cause compares with them. */
  medianWindows: number[];
  /** (current − median) ÷ max(1.4826 × MAD, 5% of the median): a robust z-score. */
  score: number;
  /** current ÷ median − 1; Infinity on a zero baseline. */
  relativeIncrease: number;
  /** Above the dollar floor, the relative change and the score. */
  fires: boolean;
  /** Above the relative change alone: still the same episode (a quiet night of a regression stays under the floor). */
  unusual: boolean;
}

/** A window that fired, with the first window of its episode. */
export interface SeasonalAnomaly {
  windowStartMs: number;
  /** The end of the part of the window compared (now, for the window still running). */
  windowEndMs: number;
  episodeStartMs: number;
  verdict: SeasonalVerdict;
}

/** The thresholds of a rule with its defaults applied, in picodollars. */
export function anomalyThresholds(rule: Pick<SpendAnomalyRule, 'grain' | 'min_increase_usd' | 'min_relative_increase' | 'min_score'>): { minIncrease: bigint; minRelative: number; minScore: number } {
  return { minIncrease: picodollarsOfUsd(rule.min_increase_usd ?? defaultMinIncreaseUsd[rule.grain]), minRelative: rule.min_relative_increase, minScore: rule.min_score };
}

/**
 * Judges one window's spend against the same window of each of the last weeks: the median is the expected
 * level and the median absolute deviation its spread, so one odd week (a holiday, an earlier incident)
 * moves neither. Comparing a Sunday with Sundays is what keeps a quiet weekend from looking like a drop,
 * and a busy Monday from looking like a spike. Only increases fire: a dip costs nothing.
 * A window whose baseline is zero is never judged unusual: a new series has no level to depart from.
 */
export function judgeWindow(current: bigint, samples: ReadonlyArray<{ startMs: number; picodollars: bigint }>, thresholds: ReturnType<typeof anomalyThresholds>): SeasonalVerdict {
  const sorted = [...samples].sort((left, right) => (left.picodollars === right.picodollars ? left.startMs - right.startMs : left.picodollars < right.picodollars ? -1 : 1));
  const middle = Math.floor(sorted.length / 2);
  const medianSamples = sorted.length === 0 ? [] : sorted.length % 2 === 1 ? [sorted[middle]!] : [sorted[middle - 1]!, sorted[middle]!];
  const median = medianSamples.length === 0 ? 0n : medianSamples.reduce((sum, sample) => sum + sample.picodollars, 0n) / BigInt(medianSamples.length);
  const deviations = sorted.map((sample) => Math.abs(Number(sample.picodollars - median))).sort((left, right) => left - right);
  const mad = deviations.length === 0 ? 0 : deviations.length % 2 === 1 ? deviations[middle]! : (deviations[middle - 1]! + deviations[middle]!) / 2;
  // Steady series have a MAD near zero: a floor of 5% of the level keeps the score finite and meaningful.
  const scale = Math.max(1.4826 * mad, 0.05 * Number(median), 1);
  const delta = current - median;
  const relativeIncrease = median > 0n ? Number(delta) / Number(median) : Number.POSITIVE_INFINITY;
  const score = Number(delta) / scale;
  const unusual = median > 0n && relativeIncrease >= thresholds.minRelative;
  return {
    currentPicodollars: current,
    baselinePicodollars: median,
    medianWindows: medianSamples.map((sample) => sample.startMs),
    score,
    relativeIncrease,
    unusual,
    fires: unusual && delta >= thresholds.minIncrease && score >= thresholds.minScore,
  };
}

/** What one series' evaluation reads: complete buckets, and the part of the running bucket (and of the same buckets of earlier weeks) gone by. */
export interface SeriesSpend {
  /** Whole buckets: the last complete ones and the weeks before them. */
  complete: BucketSpend;
  /** The running bucket and its weekly predecessors, each cut at the same offset as now; empty when now is on a boundary. */
  partial: BucketSpend;
}

/**
 * The anomaly of one series at `nowMs`, if any: the running bucket so far or, when it is not unusual, the
 * last complete one. An episode is the run of consecutive unusual windows (above the relative change)
 * ending there; it alerts when one of its windows fired (above the dollar floor and the score as well),
 * and keeps alerting, under the key of its first window, as long as it stays unusual. So one incident
 * gets one key and no gaps: a quiet night inside a regression, under the dollar floor, does not end it.
 */
export function detectSeasonalAnomaly(series: SeriesSpend, rule: Pick<SpendAnomalyRule, 'grain' | 'baseline_weeks' | 'min_increase_usd' | 'min_relative_increase' | 'min_score'>, nowMs: number): SeasonalAnomaly | null {
  const size = grainMs[rule.grain];
  const thresholds = anomalyThresholds(rule);
  const running = Math.floor(nowMs / size) * size;
  const judge = (spend: BucketSpend, start: number) =>
    judgeWindow(
      spend.get(start) ?? 0n,
      Array.from({ length: rule.baseline_weeks }, (_, index) => {
        const startMs = start - (index + 1) * weekMs;
        return { startMs, picodollars: spend.get(startMs) ?? 0n };
      }),
      thresholds,
    );
  const candidates: Array<{ start: number; end: number; verdict: SeasonalVerdict }> = [];
  if (nowMs > running) candidates.push({ start: running, end: nowMs, verdict: judge(series.partial, running) });
  candidates.push({ start: running - size, end: running, verdict: judge(series.complete, running - size) });
  const latest = candidates.find((candidate) => candidate.verdict.unusual);
  if (!latest) return null;
  let episodeStart = latest.start;
  let fired = latest.verdict.fires;
  for (let step = 1; ; step += 1) {
    const start = latest.start - step * size;
    const verdict = judge(series.complete, start);
    if (!verdict.unusual) break;
    // Unusual for longer than an episode is traced: it was alerted when it began, and is the new level now.
    if (step >= maxEpisodeBuckets[rule.grain]) return null;
    episodeStart = start;
    fired ||= verdict.fires;
  }
  return fired ? { windowStartMs: latest.start, windowEndMs: latest.end, episodeStartMs: episodeStart, verdict: latest.verdict } : null;
}

/** The complete buckets detection reads, as [from, to) ranges: the traced episode and the same stretch of each baseline week. */
export function completeRanges(grain: 'hour' | 'day', baselineWeeks: number, nowMs: number): Array<{ fromMs: number; toMs: number }> {
  const size = grainMs[grain];
  const running = Math.floor(nowMs / size) * size;
  const from = running - (maxEpisodeBuckets[grain] + 1) * size;
  const ranges = Array.from({ length: baselineWeeks + 1 }, (_, week) => ({ fromMs: from - week * weekMs, toMs: running - week * weekMs }));
  // Daily ranges of consecutive weeks overlap (14 days of episode, 7 days a week apart): merge them into one.
  ranges.sort((left, right) => left.fromMs - right.fromMs);
  const mergedRanges: Array<{ fromMs: number; toMs: number }> = [];
  for (const range of ranges) {
    const last = mergedRanges.at(-1);
    if (last && range.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, range.toMs);
    else mergedRanges.push({ ...range });
  }
  return mergedRanges;
}

/** The running bucket and the same bucket of each baseline week, for the comparison of the part gone by. */
export function partialBuckets(grain: 'hour' | 'day', baselineWeeks: number, nowMs: number): { startsMs: number[]; withinBucketMs: number } {
  const size = grainMs[grain];
  const running = Math.floor(nowMs / size) * size;
  return { startsMs: Array.from({ length: baselineWeeks + 1 }, (_, week) => running - week * weekMs), withinBucketMs: nowMs - running };
}
