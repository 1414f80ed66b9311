/** What a trace export did, for the OTLP response. */
export interface TraceIngestResult {
  /** Spans refused (unreadable, a bad count, or a usage event the store refused), each counted once. */
  rejectedSpans: number;
  /** The first reasons, for partialSuccess.errorMessage; empty when nothing was refused. */
  errorMessage: string;
  /** Usage events stored (or already stored) from GenAI call spans. */
  calls: number;
  /** GenAI spans without usage of their own (an SDK's outer span, tools, agents): read, not stored. */
  withoutUsage: number;
  /** Other spans (HTTP, database, the app's own): read, not stored. */
  notGenAi: number;
}

/** What the trace receiver has done since the server started, for /metrics. */
export interface TraceCounters {
  spans: number;
  calls: number;
  withoutUsage: number;
  notGenAi: number;
  rejected: number;
}
