import type { ReportDimension, ReportFilter } from '../../kpi/report-aggregates.js';
import type { ModelSpend } from './decompose-spend-change.js';

/**
 * What alert evaluation asks a store for: spend per hour or day bucket, per value of a tag, and (for the
 * cause of an alert) per model and token class. The types live in the core, like the report aggregates;
 * src/store/report-reader.ts re-exports them with the query that produces them.
 */
export interface SpendSeriesQuery {
  /** The tag each series is kept per; null for one series over all spend. */
  per: ReportDimension | null;
  where?: ReportFilter[];
  grain: 'hour' | 'day';
  /** Whole buckets over these [fromMs, toMs) ranges, on bucket boundaries. */
  ranges?: Array<{ fromMs: number; toMs: number }>;
  /** Or these buckets, each cut to its first `withinBucketMs`: the part of a running bucket gone by, and the same part of earlier ones. */
  buckets?: { startsMs: number[]; withinBucketMs: number };
  /** One row per model (for the cause), or one per series and bucket (for detection). */
  byModel: boolean;
  /** Only the total cost (tokens, classes and cache counts left at zero): detection reads nothing else, over many buckets. */
  totalOnly?: boolean;
}

/** One series' spend in one bucket (for one model, or all of them under the model "*"), summed exactly. */
export interface SpendSeriesRow extends ModelSpend {
  /** The tag's value; null for calls without it, or for the series over all spend. */
  value: string | null;
  bucketStartMs: number;
  totalPicodollars: bigint;
  /** Calls answered by the response cache, and calls that asked it: the response cache hit rate. */
  responseCacheHits: number;
  responseCacheLookups: number;
}
