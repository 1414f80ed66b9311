import type { RowContext } from '../../core/events/to-stored-row.js';
import { convertRecords, rejectRecord, type ConvertedRecords, type RawRecord, type RecordKind } from '../../ingest/posted-records.js';
import type { BatchOutcome, EventWriter, OpenBatch } from '../../store/event-writer.js';
import type { AppendOutcome } from '../../store/stored-rows.js';
import type { BatchResult, IngestCounters } from '../server-types.js';

type Kind = RecordKind;

/** What a commit says about one request's rows: the positions (in its own rows, per kind) that conflicted, and those already stored. */
interface CommitOutcome {
  conflicts: Record<Kind, AppendOutcome['conflicts']>;
  duplicates: Record<Kind, number[]>;
}

/** Stages a request's rows into the open batch: row objects as they are, columns a worker encoded as such. */
function stageRows(open: OpenBatch, rows: ConvertedRecords['rows']): Promise<void> {
  if (rows.form === 'objects') return open.add(rows.batch);
  if (!open.addEncoded) throw new Error('rows were encoded as columns for a store whose batches do not take them');
  return open.addEncoded(rows.encoded, rows.prices);
}

/** One request's rows waiting in a group, and where they start in the group's open batch. */
interface GroupMember {
  converted: ConvertedRecords;
  resolve: (outcome: CommitOutcome) => void;
  reject: (error: unknown) => void;
  start: Record<Kind, number>;
}

/** The group being filled: its rows are staged as their requests arrive, while the previous group commits. */
interface FillingGroup {
  batch: Promise<OpenBatch>;
  members: GroupMember[];
  rows: number;
  added: Record<Kind, number>;
  /** The chain of stagings, in arrival order; a failure fails the whole group. */
  staged: Promise<void>;
}

/**
 * Stores posted batches with group commit, pipelined: each request's rows are staged into the open batch as
 * soon as they are validated, while the previous group commits; when that commit ends, everything staged
 * since commits together, in one transaction. A commit costs tens of milliseconds whatever its size, so
 * twenty clients posting 1,000 events each cost about one commit instead of twenty, staging no longer waits
 * for the commit before it, and each request is still answered only once its own records are durable.
 */
export class RecordIngester {
  private filling: FillingGroup | undefined;
  private committing = false;
  /** Requests that arrived while the group being filled was at its row cap: they start the next one. */
  private overflow: Array<Omit<GroupMember, 'start'>> = [];
  /**
   * Every batch opening and staging, of every group, in one chain: they share the writer's staging connection,
   * which runs one statement at a time. A group cut at its row cap starts staging while the previous group's
   * last rows may still be staging; run side by side, DuckDB failed one with "Attempting to execute an
   * unsuccessful or closed pending query result" (about one run in fifteen of the 20-client test, under load).
   */
  private staging: Promise<unknown> = Promise.resolve();
  /** Requests in the last group taken: the next waits for half as many (gather). */
  private previousMembers = 0;
  /** Wakes a waiting gather when a request arrives. */
  private joined: (() => void) | undefined;
  /** Totals since start; inserted and duplicates are known per commit, not per request of a group. */
  readonly counters: IngestCounters = { inserted: 0, duplicates: 0, rejected: 0 };

  constructor(
    private readonly writer: EventWriter,
    /** Runs a store task after the ones before it: the server's one write queue. */
    private readonly serialize: <T>(task: () => Promise<T>) => Promise<T>,
    private readonly context: RowContext,
    /** Rows above which a group is cut, to bound one transaction's memory. */
    private readonly maxGroupRows = 100_000,
    /** How long a group waits for the next request before it commits without the ones it expected (gather). */
    private readonly lingerMs = 50,
  ) {}

  /** Validates, prices and stores one batch; resolves after the commit that holds it. */
  ingest(records: readonly RawRecord[], options: { nowMs: number; source: string }): Promise<BatchResult> {
    return this.ingestConverted(convertRecords(records, { ...this.context, ...options }));
  }

  /** Stores a batch already validated and priced (on a worker, posted-batch-conversion.ts); resolves after the commit that holds it. */
  async ingestConverted(converted: ConvertedRecords): Promise<BatchResult> {
    const { counts, origins, results } = converted;
    if (counts.usage + counts.outcomes + counts.revenue > 0) {
      const outcome = await this.commit(converted);
      for (const conflict of outcome.conflicts.usage) rejectRecord(results, origins.usage[conflict.index]!, [{ field: 'id', message: conflict.reason }]);
      for (const conflict of outcome.conflicts.outcomes) rejectRecord(results, origins.outcomes[conflict.index]!, [{ field: 'task_id', message: conflict.reason }]);
      for (const conflict of outcome.conflicts.revenue) rejectRecord(results, origins.revenue[conflict.index]!, [{ field: 'id', message: conflict.reason }]);
      for (const kind of ['usage', 'outcomes', 'revenue'] as const) {
        for (const index of outcome.duplicates[kind]) results[origins[kind][index]!]!.duplicate = true;
      }
    }
    let unpriced = 0;
    for (const index of converted.unpricedUsage) if (results[origins.usage[index]!]!.status === 'accepted') unpriced += 1;
    const accepted = results.filter((result) => result.status === 'accepted').length;
    const duplicates = results.filter((result) => result.duplicate).length;
    this.counters.rejected += results.length - accepted;
    return { received: results.length, accepted, duplicates, rejected: results.length - accepted, unpriced, results };
  }

  private commit(converted: ConvertedRecords): Promise<CommitOutcome> {
    return new Promise((resolve, reject) => {
      const member = { converted, resolve, reject };
      const filling = this.filling;
      if (filling !== undefined && filling.members.length > 0 && filling.rows + rowCount(converted) > this.maxGroupRows) this.overflow.push(member);
      else this.join(member);
      this.joined?.();
      this.commitWhenFree();
    });
  }

  /** Adds a request to the group being filled (opening one if none is) and stages its rows behind the others'. */
  private join(member: Omit<GroupMember, 'start'>): void {
    if (this.filling === undefined) {
      const batch = this.staging.then(() => this.writer.openBatch({ listDuplicates: true }));
      this.staging = batch.catch(() => undefined);
      // A batch that cannot open fails its group when the group commits; this keeps the rejection observed.
      batch.catch(() => undefined);
      this.filling = { batch, members: [], rows: 0, added: { usage: 0, outcomes: 0, revenue: 0 }, staged: Promise.resolve() };
    }
    const group = this.filling;
    const { counts, rows } = member.converted;
    group.members.push({ ...member, start: { ...group.added } });
    group.added = { usage: group.added.usage + counts.usage, outcomes: group.added.outcomes + counts.outcomes, revenue: group.added.revenue + counts.revenue };
    group.rows += rowCount(member.converted);
    // Staging uses its own connection, so it runs while the previous group's commit holds the store's.
    const staged = this.staging.then(async () => stageRows(await group.batch, rows));
    this.staging = staged.catch(() => undefined);
    group.staged = group.staged.then(() => staged);
    group.staged.catch(() => undefined);
  }

  /** Commits the group being filled unless a commit is running; that commit's end starts the next one. */
  private commitWhenFree(): void {
    if (this.committing || this.filling === undefined) return;
    this.committing = true;
    // The group is taken when the write queue reaches it, not now: requests arriving until then join it.
    void this.serialize(async () => {
      await this.gather();
      const group = this.filling!;
      this.filling = undefined;
      this.previousMembers = group.members.length;
      // Requests held back by the row cap start the next group, which fills while this one commits.
      for (const member of this.overflow.splice(0)) {
        const next = this.filling as FillingGroup | undefined;
        if (next !== undefined && next.members.length > 0 && next.rows + rowCount(member.converted) > this.maxGroupRows) this.overflow.push(member);
        else this.join(member);
      }
      return this.commitGroup(group);
    }).finally(() => {
      this.committing = false;
      this.commitWhenFree();
    });
  }

  /**
   * Waits for the group being filled to hold half as many requests as the group before it, each join within
   * lingerMs of the one before; the row cap or a pause in arrivals ends the wait. Without it, the first request
   * answered by a commit came back alone to an idle queue and was committed alone: with 8 clients, groups
   * alternated 1 and 7 requests (65 commits per 200 batches, each paying a commit's fixed cost). Half, not all:
   * the other half stages while this one commits, so conversion and staging overlap the commit. One client
   * (half of one is one) never waits; when clients leave, one wait of lingerMs resets the expectation.
   */
  private async gather(): Promise<void> {
    const wanted = Math.ceil(this.previousMembers / 2);
    while (this.filling !== undefined && this.filling.members.length < wanted && this.overflow.length === 0) {
      const joined = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.joined = undefined;
          resolve(false);
        }, this.lingerMs);
        this.joined = () => {
          clearTimeout(timer);
          this.joined = undefined;
          resolve(true);
        };
      });
      if (!joined) return;
    }
  }

  private async commitGroup(group: FillingGroup): Promise<void> {
    let outcome: BatchOutcome;
    try {
      await group.staged;
      outcome = await (await group.batch).commit();
    } catch (error) {
      await group.batch.then((open) => open.abandon()).catch(() => undefined);
      for (const member of group.members) member.reject(error);
      return;
    }
    this.counters.inserted += outcome.usage.inserted + outcome.outcomes.inserted + outcome.revenue.inserted;
    this.counters.duplicates += outcome.usage.duplicates + outcome.outcomes.duplicates + outcome.revenue.duplicates;
    for (const member of group.members) {
      const start = (kind: Kind): number => member.start[kind];
      const end = (kind: Kind): number => start(kind) + member.converted.counts[kind];
      const own = (kind: Kind): AppendOutcome['conflicts'] =>
        outcome[kind].conflicts.filter((conflict) => conflict.index >= start(kind) && conflict.index < end(kind)).map((conflict) => ({ ...conflict, index: conflict.index - start(kind) }));
      const ownDuplicates = (kind: Kind): number[] => (outcome[kind].duplicateIndexes ?? []).filter((index) => index >= start(kind) && index < end(kind)).map((index) => index - start(kind));
      member.resolve({
        conflicts: { usage: own('usage'), outcomes: own('outcomes'), revenue: own('revenue') },
        duplicates: { usage: ownDuplicates('usage'), outcomes: ownDuplicates('outcomes'), revenue: ownDuplicates('revenue') },
      });
    }
  }
}

function rowCount(converted: ConvertedRecords): number {
  return converted.counts.usage + converted.counts.outcomes + converted.counts.revenue;
}
