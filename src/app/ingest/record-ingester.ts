import type { RowContext } from '../../core/events/to-stored-row.js';
import { convertRecords, rejectRecord, type ConvertedRecords, type RawRecord, type RecordKind } from '../../ingest/posted-records.js';
import type { BatchOutcome, EventWriter, OpenBatch, StoredRecordKeys } from '../../store/event-writer.js';
import { KeyTable } from './key-table.js';
import { IntakeLog, readIntakeSegment, type IntakeEntry, type IntakeSegment } from '../../store/intake-log.js';
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
  /** With an intake log: the request's record keys, computed once (RequestKeys). */
  keys?: RequestKeys;
  /** A request answered once its body is in the intake log, before its group commits. */
  early?: { entry: IntakeEntry; acknowledge: () => void; fail: (error: unknown) => void };
}

/** Rows of answered requests that may wait to be staged before an answer waits for its own staging too. */
const maxUnstagedRows = 50_000;

/** A request's record keys: the store's 63-bit keys, as pairs of halves. */
interface RequestKeys {
  halves: Int32Array;
}

/** A deferred promise: resolved from outside. */
interface Settled {
  promise: Promise<void>;
  resolve: () => void;
}

function settled(): Settled {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * Acknowledging batches before their commit (server-service.ts wires it for a DuckDB store file). A body whose
 * records are all new (none in the store's key filter, none waiting in a group, no id twice) is appended to the
 * intake log, synced, staged and answered; the group it is in commits once it holds loadRows rows, maxWaitMs after
 * its first such request, when a request that needs the store's answer joins it, or when a read asks (loaded()).
 */
export interface IntakeOptions {
  /** Where acknowledged bodies are kept until their group commits: one segment per group. */
  log: { beginSegment(): IntakeSegment; readonly directory: string };
  /** The store's record keys in memory (EventWriter.storedKeys): whether a record may already be stored. */
  storedKeys: StoredRecordKeys;
  /** Converts a logged body again, to store it on its own when the commit of its group failed. */
  convert(entry: IntakeEntry): ConvertedRecords;
  /** Rows at which a group commits (default: the group row cap). */
  loadRows?: number;
  /** How long the first acknowledged request of a group waits, at most, for its commit (default 1 s). */
  maxWaitMs?: number;
  /** Told when a group's commit failed and its acknowledged bodies are stored again one by one, or could not be. */
  onProblem?: (message: string) => void;
}

/** The group being filled: its rows are staged as their requests arrive, while the previous group commits. */
interface FillingGroup {
  batch: Promise<OpenBatch>;
  members: GroupMember[];
  rows: number;
  added: Record<Kind, number>;
  /** The chain of stagings, in arrival order; a failure fails the whole group. */
  staged: Promise<void>;
  /** Members answered before the commit, their rows, and the intake segment holding their bodies. */
  early: number;
  /** Rows of the members answered so far: counted as inserted when answered. */
  answeredRows: number;
  /** Set once the commit's counts are in the counters. */
  counted: boolean;
  segment: IntakeSegment | undefined;
  /** Members waiting for the commit's answer: the group then commits as soon as it can. */
  waiting: number;
  /** Commit as soon as the one before ends (a read or close asked, or the group waited maxWaitMs). */
  due: boolean;
  timer: NodeJS.Timeout | undefined;
  /** The keys of its rows, with an intake log. */
  keys?: KeyTable;
  /** Resolved once the group committed, or failed and its acknowledged bodies were dealt with. */
  done: Settled;
}

/**
 * Stores posted batches with group commit, pipelined: each request's rows are staged into the open batch as
 * soon as they are validated, while the previous group commits; when that commit ends, everything staged
 * since commits together, in one transaction. A commit costs tens of milliseconds whatever its size, so
 * twenty clients posting 1,000 events each cost about one commit instead of twenty, staging no longer waits
 * for the commit before it, and each request is still answered only once its own records are durable.
 *
 * With an intake log (IntakeOptions, `serve --intake-log`), durable comes earlier: a body of new records is
 * answered once it is synced to the log, and its group waits to grow before it commits (BENCHMARKS.md, "Answers
 * from an intake log"). loaded() is the reads' barrier: it commits what was answered before they run.
 */
export class RecordIngester {
  private filling: FillingGroup | undefined;
  /** The group whose commit runs, if one does. */
  private committingGroup: FillingGroup | undefined;
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
  /** The keys of the rows of each group not yet committed (not yet in the store's filter), dropped as each group commits. */
  private readonly uncommittedKeys = new Set<KeyTable>();
  /** The keys of the requests held back (overflow), until they join a group. */
  private heldBackKeys: KeyTable | undefined;
  /** Rows of answered requests not yet staged. */
  private unstagedRows = 0;
  /** Set while a failed group's acknowledged bodies are stored again: no body is answered early until then. */
  private recovering: Promise<void> | undefined;
  /** Cleared when acknowledged bodies could not be stored: every request then waits for its commit, as without a log. */
  private earlyAnswers: boolean;
  /** Totals since start; inserted and duplicates are known per commit, not per request of a group. */
  readonly counters: IngestCounters = { inserted: 0, duplicates: 0, rejected: 0 };
  /** Requests answered before their commit, and commits of groups that held some (for tests and /metrics). */
  readonly intakeCounters = { answeredEarly: 0, loads: 0 };

  constructor(
    private readonly writer: EventWriter,
    /** Runs a store task after the ones before it: the server's one write queue. */
    private readonly serialize: <T>(task: () => Promise<T>) => Promise<T>,
    private readonly context: RowContext,
    /** Rows above which a group is cut, to bound one transaction's memory. */
    private readonly maxGroupRows = 100_000,
    /** How long a group waits for the next request before it commits without the ones it expected (gather). */
    private readonly lingerMs = 50,
    /** Answer bodies once in the intake log, before their commit (IntakeOptions); without it, every answer waits for its commit. */
    private readonly intake?: IntakeOptions,
  ) {
    this.earlyAnswers = intake !== undefined;
  }

  /** Validates, prices and stores one batch; resolves after the commit that holds it. */
  ingest(records: readonly RawRecord[], options: { nowMs: number; source: string }): Promise<BatchResult> {
    return this.ingestConverted(convertRecords(records, { ...this.context, ...options }));
  }

  /**
   * Stores a batch already validated and priced (on a worker, posted-batch-conversion.ts). Resolves after the
   * commit that holds it; or, given the body as received (entry) and an intake log, once the body is in the log,
   * when none of its records can be a duplicate or a conflict.
   */
  async ingestConverted(converted: ConvertedRecords, entry?: IntakeEntry): Promise<BatchResult> {
    const { counts, origins, results } = converted;
    if (counts.usage + counts.outcomes + counts.revenue > 0) {
      if (this.recovering) await this.recovering;
      const keys = this.intake === undefined ? undefined : this.keysOf(converted);
      const outcome = entry !== undefined && keys !== undefined && this.earlyAnswers && this.certainlyNew(keys) ? await this.acknowledgeEarly(converted, keys, entry) : await this.commit(converted, keys);
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

  /** Resolves once every request answered so far is committed to the store: a read waits for it, so that it sees every batch its client was told is stored. */
  async loaded(): Promise<void> {
    if (this.intake === undefined) return;
    const filling = this.filling;
    if (filling !== undefined && filling.early > 0) {
      filling.due = true;
      this.commitWhenFree();
      await filling.done.promise;
    } else if (this.committingGroup !== undefined) await this.committingGroup.done.promise;
    // Requests held back by the row cap are answered only once they join a group, after the commit above began.
    if (this.overflow.some((member) => member.early !== undefined)) await this.loaded();
    if (this.recovering) await this.recovering;
  }

  /** Commits what was answered and not yet committed; the server calls it before it closes the store. */
  close(): Promise<void> {
    return this.loaded();
  }

  /** Whether a request holds a record of the table's (only known with an intake log, where answered groups wait). */
  private repeatsAnyOf(table: KeyTable | undefined, member: Omit<GroupMember, 'start'>): boolean {
    if (table === undefined || member.keys === undefined) return false;
    const { halves } = member.keys;
    for (let at = 0; at < halves.length; at += 2) if (table.has(halves[at]!, halves[at + 1]!)) return true;
    return false;
  }

  /** The record keys of a batch's rows, as the store files them. */
  private keysOf(converted: ConvertedRecords): RequestKeys {
    const { origins, results } = converted;
    const halves = new Int32Array(2 * rowCount(converted));
    let at = 0;
    for (const kind of ['usage', 'outcomes', 'revenue'] as const) {
      for (const position of origins[kind]) {
        this.intake!.storedKeys.keyOf(kind, results[position]!.id!, halves, at);
        at += 2;
      }
    }
    return { halves };
  }

  /** No record of the batch is stored, waits in a group, or appears twice in it: its commit can only insert every row. */
  private certainlyNew(keys: RequestKeys): boolean {
    const { halves } = keys;
    const seen = new KeyTable(halves.length / 2);
    for (let at = 0; at < halves.length; at += 2) {
      const high = halves[at]!;
      const low = halves[at + 1]!;
      if (!seen.add(high, low)) return false;
      for (const table of this.uncommittedKeys) if (table.has(high, low)) return false;
    }
    return !this.intake!.storedKeys.mayHoldAny(halves);
  }

  /** Joins the group being filled as a request answered once its body is logged and its rows are staged. */
  private acknowledgeEarly(converted: ConvertedRecords, keys: RequestKeys, entry: IntakeEntry): Promise<CommitOutcome> {
    return new Promise((acknowledge, fail) => {
      const member: Omit<GroupMember, 'start'> = {
        converted,
        keys,
        // The commit's answer for a request already answered: anything but "all inserted" means a record was
        // written around this writer between the check and the commit, which is said, not swallowed.
        resolve: (outcome) => this.reportLateRefusals(converted, outcome),
        reject: () => undefined,
        early: {
          entry,
          acknowledge: () => {
            this.intakeCounters.answeredEarly += 1;
            acknowledge({ conflicts: { usage: [], outcomes: [], revenue: [] }, duplicates: { usage: [], outcomes: [], revenue: [] } });
          },
          fail,
        },
      };
      this.enqueue(member);
    });
  }

  private commit(converted: ConvertedRecords, keys?: RequestKeys): Promise<CommitOutcome> {
    return new Promise((resolve, reject) => this.enqueue({ converted, resolve, reject, ...(keys ? { keys } : {}) }));
  }

  /** Places a request (place), then lets a commit start if one is due. */
  private enqueue(member: Omit<GroupMember, 'start'>): void {
    this.place(member);
    this.joined?.();
    this.commitWhenFree();
  }

  /**
   * Joins the group being filled, or holds the request back for the next group: when the group is at its row cap,
   * or when the request waits for its answer and repeats a record of that group or of a request held back. Then its
   * answer says "already stored", as it would had the earlier one committed before it arrived, not "earlier in the
   * same batch"; and an answered record is stored before a later repeat of it. (An answered request repeats nothing
   * waiting: certainlyNew checked it against every table, the held-back one included.)
   */
  private place(member: Omit<GroupMember, 'start'>): void {
    const filling = this.filling;
    const repeats = member.early === undefined && (this.repeatsAnyOf(filling?.keys, member) || this.repeatsAnyOf(this.heldBackKeys, member));
    if (filling === undefined || filling.members.length === 0 || (filling.rows + rowCount(member.converted) <= this.maxGroupRows && !repeats)) {
      this.join(member);
      return;
    }
    this.overflow.push(member);
    filling.due = true;
    if (member.keys === undefined) return;
    if (this.heldBackKeys === undefined) {
      this.heldBackKeys = new KeyTable();
      this.uncommittedKeys.add(this.heldBackKeys);
    }
    const { halves } = member.keys;
    for (let at = 0; at < halves.length; at += 2) this.heldBackKeys.add(halves[at]!, halves[at + 1]!);
  }

  /** Adds a request to the group being filled (opening one if none is) and stages its rows behind the others'. */
  private join(member: Omit<GroupMember, 'start'>): void {
    if (this.filling === undefined) {
      const batch = this.staging.then(() => this.writer.openBatch({ listDuplicates: true }));
      this.staging = batch.catch(() => undefined);
      // A batch that cannot open fails its group when the group commits; this keeps the rejection observed.
      batch.catch(() => undefined);
      this.filling = {
        batch,
        members: [],
        rows: 0,
        added: { usage: 0, outcomes: 0, revenue: 0 },
        staged: Promise.resolve(),
        early: 0,
        answeredRows: 0,
        counted: false,
        segment: undefined,
        waiting: 0,
        due: false,
        timer: undefined,
        done: settled(),
      };
    }
    const group = this.filling;
    const { counts, rows } = member.converted;
    group.members.push({ ...member, start: { ...group.added } });
    group.added = { usage: group.added.usage + counts.usage, outcomes: group.added.outcomes + counts.outcomes, revenue: group.added.revenue + counts.revenue };
    group.rows += rowCount(member.converted);
    if (member.keys) {
      group.keys ??= new KeyTable(this.intake?.loadRows ?? this.maxGroupRows);
      this.uncommittedKeys.add(group.keys);
      const { halves } = member.keys;
      for (let at = 0; at < halves.length; at += 2) group.keys.add(halves[at]!, halves[at + 1]!);
    }
    // Staging uses its own connection, so it runs while the previous group's commit holds the store's.
    const staged = this.staging.then(async () => stageRows(await group.batch, rows));
    this.staging = staged.catch(() => undefined);
    group.staged = group.staged.then(() => staged);
    group.staged.catch(() => undefined);
    if (member.early === undefined) {
      group.waiting += 1;
      return;
    }
    group.early += 1;
    group.segment ??= this.intake!.log.beginSegment();
    const memberRows = rowCount(member.converted);
    const { fail } = member.early;
    // Counted as inserted when answered; the commit's count then leaves these rows out.
    const acknowledge = (): void => {
      // Answered after its group committed (its sync was slower than the commit): the commit counted it.
      if (!group.counted) {
        this.counters.inserted += memberRows;
        group.answeredRows += memberRows;
      }
      member.early!.acknowledge();
    };
    // Answered once logged, not once staged: staging waits behind DuckDB's checkpoints (most of a second every
    // 122,880 calls), and answers that waited with it held the clients back. Rows waiting to be staged hold
    // memory, so past a bound an answer waits for its staging too.
    this.unstagedRows += memberRows;
    void staged.then(
      () => (this.unstagedRows -= memberRows),
      () => (this.unstagedRows -= memberRows),
    );
    const logged = group.segment.append(member.early.entry);
    (this.unstagedRows > maxUnstagedRows ? Promise.all([logged, staged]) : logged).then(acknowledge, fail);
  }

  /**
   * Commits the group being filled unless a commit is running; that commit's end starts the next one. With an
   * intake log, a group of requests already answered waits to grow (loadRows) or for maxWaitMs, unless a read,
   * the row cap or a request waiting for its answer makes it due.
   */
  private commitWhenFree(): void {
    const group = this.filling;
    if (this.committingGroup !== undefined || group === undefined) return;
    if (group.waiting === 0 && !group.due && group.rows < (this.intake?.loadRows ?? this.maxGroupRows)) {
      group.timer ??= setTimeout(() => {
        group.due = true;
        this.commitWhenFree();
      }, this.intake?.maxWaitMs ?? 1000).unref();
      return;
    }
    this.committingGroup = group;
    // The group is taken when the write queue reaches it, not now: requests arriving until then join it.
    void this.serialize(async () => {
      if (group.early === 0) await this.gather();
      this.filling = undefined;
      clearTimeout(group.timer);
      this.previousMembers = group.members.length;
      // Requests held back by the row cap start the next group, which fills while this one commits.
      const heldBack = this.overflow.splice(0);
      if (this.heldBackKeys !== undefined) this.uncommittedKeys.delete(this.heldBackKeys);
      this.heldBackKeys = undefined;
      for (const member of heldBack) this.place(member);
      return this.commitGroup(group);
    }).finally(() => {
      this.committingGroup = undefined;
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
      this.releaseKeys(group);
      for (const member of group.members) member.reject(error);
      // Answered requests are in the intake log: store them again one by one, after this task leaves the queue.
      if (group.early > 0) this.recover(group, error);
      else group.done.resolve();
      return;
    }
    this.releaseKeys(group);
    if (group.early > 0) this.intakeCounters.loads += 1;
    this.counters.inserted += outcome.usage.inserted + outcome.outcomes.inserted + outcome.revenue.inserted - group.answeredRows;
    group.counted = true;
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
    if (group.segment !== undefined) {
      const segment = group.segment;
      // Its bodies are stored: the segment goes. Failing to remove it costs a reload of duplicates at the next start, nothing else.
      await segment.close();
      await IntakeLog.remove(segment.path).catch((error: unknown) => this.intake!.onProblem?.(`could not remove ${segment.path} after its batches were stored (${(error as Error).message}); the next start loads them again as duplicates`));
    }
    group.done.resolve();
  }

  /**
   * A group holding answered requests failed to commit: their bodies, from the intake log, are converted and
   * committed again one by one (a re-sent record is a duplicate, so what did get stored is not stored twice).
   * Until that ends, no request is answered early; if it fails, the segment stays for the next start to load and
   * every request from then on waits for its commit.
   */
  private recover(group: FillingGroup, error: unknown): void {
    const segment = group.segment!;
    this.intake!.onProblem?.(`a commit of ${group.early} acknowledged batches failed (${(error as Error).message}); storing them again from ${segment.path}`);
    this.recovering = (async () => {
      try {
        await segment.close();
        const { entries } = await readIntakeSegment(segment.path);
        for (const entry of entries) {
          const converted = this.intake!.convert(entry);
          await this.commit(converted, this.keysOf(converted));
        }
        await IntakeLog.remove(segment.path);
      } catch (failure) {
        this.earlyAnswers = false;
        this.intake!.onProblem?.(
          `acknowledged batches could not be stored (${(failure as Error).message}); they stay in ${segment.path} and are loaded when the server starts again; from now on every batch is answered after its commit`,
        );
      } finally {
        this.recovering = undefined;
        group.done.resolve();
      }
    })();
  }

  /** The commit of a group answered a request already acknowledged with something other than "all inserted". */
  private reportLateRefusals(converted: ConvertedRecords, outcome: CommitOutcome): void {
    const refused = (['usage', 'outcomes', 'revenue'] as const).flatMap((kind) => [
      ...outcome.conflicts[kind].map((conflict) => `${conflict.id}: ${conflict.reason}`),
      ...outcome.duplicates[kind].map((index) => `${converted.results[converted.origins[kind][index]!]!.id}: already stored`),
    ]);
    if (refused.length > 0) this.intake?.onProblem?.(`records answered as stored were not stored by their commit, written around this server meanwhile: ${refused.slice(0, 5).join('; ')}${refused.length > 5 ? ` and ${refused.length - 5} more` : ''}`);
  }

  private releaseKeys(group: FillingGroup): void {
    if (group.keys) this.uncommittedKeys.delete(group.keys);
  }
}

function rowCount(converted: ConvertedRecords): number {
  return converted.counts.usage + converted.counts.outcomes + converted.counts.revenue;
}
