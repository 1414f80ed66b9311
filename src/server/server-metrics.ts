import type { TraceCounters } from '../app/capture/trace-ingest-result.js';
import type { IngestCounters, ReadCounters } from '../app/server-types.js';

/*
 * The server's Prometheus metrics, kept by hand: a few counters and one histogram do not need a client
 * library. Labels are bounded (route patterns, not paths) so a scan of random URLs cannot grow memory.
 */

// Seconds; spans a cached read (sub-millisecond) to a KPI query over a large store (seconds).
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** Counts of ingested events and the latency of every request, rendered in the Prometheus text format. */
export class ServerMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latencies = new Map<string, Histogram>();

  constructor(
    private readonly ingestCounters: () => IngestCounters,
    private readonly readCounters: () => ReadCounters,
    private readonly traceCounters: () => TraceCounters = () => ({ spans: 0, calls: 0, withoutUsage: 0, notGenAi: 0, rejected: 0 }),
  ) {}

  /** Records a finished request under its route pattern. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const requestKey = `method="${method}",route="${escapeLabel(route)}",status="${status}"`;
    this.requests.set(requestKey, (this.requests.get(requestKey) ?? 0) + 1);
    const latencyKey = `method="${method}",route="${escapeLabel(route)}"`;
    let histogram = this.latencies.get(latencyKey);
    if (!histogram) {
      histogram = { counts: latencyBuckets.map(() => 0), sum: 0, count: 0 };
      this.latencies.set(latencyKey, histogram);
    }
    for (let index = 0; index < latencyBuckets.length; index += 1) if (seconds <= latencyBuckets[index]!) histogram.counts[index]! += 1;
    histogram.sum += seconds;
    histogram.count += 1;
  }

  /** The exposition text for GET /metrics. */
  render(): string {
    const events = this.ingestCounters();
    const reads = this.readCounters();
    const traces = this.traceCounters();
    const lines: string[] = [
      '# HELP unitcost_events_accepted_total Records newly stored by POST /v1/events (usage events, outcomes and revenue).',
      '# TYPE unitcost_events_accepted_total counter',
      `unitcost_events_accepted_total ${events.inserted}`,
      '# HELP unitcost_events_duplicate_total Records POST /v1/events received that were already stored unchanged.',
      '# TYPE unitcost_events_duplicate_total counter',
      `unitcost_events_duplicate_total ${events.duplicates}`,
      '# HELP unitcost_events_rejected_total Records POST /v1/events refused: invalid, or conflicting with a stored id.',
      '# TYPE unitcost_events_rejected_total counter',
      `unitcost_events_rejected_total ${events.rejected}`,
      '# HELP unitcost_event_bodies_converted_total Bodies of POST /v1/events read, validated and priced, by thread: the conversion worker (large bodies) or the server\'s own.',
      '# TYPE unitcost_event_bodies_converted_total counter',
      `unitcost_event_bodies_converted_total{thread="worker"} ${events.bodiesConverted?.onWorker ?? 0}`,
      `unitcost_event_bodies_converted_total{thread="server"} ${events.bodiesConverted?.onServerThread ?? 0}`,
      '# HELP unitcost_event_bodies_answered_before_commit_total Bodies of POST /v1/events answered once in the intake log (<db>.intake), before the commit that stores them with others.',
      '# TYPE unitcost_event_bodies_answered_before_commit_total counter',
      `unitcost_event_bodies_answered_before_commit_total ${events.answeredBeforeCommit ?? 0}`,
      '# HELP unitcost_reads_total KPI and report reads, by how they were answered: kept since the last batch, or computed from the store.',
      '# TYPE unitcost_reads_total counter',
      `unitcost_reads_total{answer="kept"} ${reads.kept}`,
      `unitcost_reads_total{answer="computed"} ${reads.computed}`,
      '# HELP unitcost_read_warmups_total Report summaries refreshed and the overview\'s KPIs computed in the background after new data.',
      '# TYPE unitcost_read_warmups_total counter',
      `unitcost_read_warmups_total ${reads.warmups}`,
      '# HELP unitcost_otlp_spans_total Spans POST /v1/traces received, by what they were: a GenAI call stored, a GenAI span without usage of its own, another span, or refused.',
      '# TYPE unitcost_otlp_spans_total counter',
      `unitcost_otlp_spans_total{kind="call"} ${traces.calls}`,
      `unitcost_otlp_spans_total{kind="genai_without_usage"} ${traces.withoutUsage}`,
      `unitcost_otlp_spans_total{kind="not_genai"} ${traces.notGenAi}`,
      `unitcost_otlp_spans_total{kind="rejected"} ${traces.rejected}`,
      '# HELP unitcost_http_requests_total HTTP requests answered, by route pattern and status.',
      '# TYPE unitcost_http_requests_total counter',
    ];
    for (const [labels, value] of this.requests) lines.push(`unitcost_http_requests_total{${labels}} ${value}`);
    lines.push('# HELP unitcost_http_request_duration_seconds Time from request to response, by route pattern.');
    lines.push('# TYPE unitcost_http_request_duration_seconds histogram');
    for (const [labels, histogram] of this.latencies) {
      latencyBuckets.forEach((bound, index) => lines.push(`unitcost_http_request_duration_seconds_bucket{${labels},le="${bound}"} ${histogram.counts[index]}`));
      lines.push(`unitcost_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${histogram.count}`);
      lines.push(`unitcost_http_request_duration_seconds_sum{${labels}} ${histogram.sum}`);
      lines.push(`unitcost_http_request_duration_seconds_count{${labels}} ${histogram.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
