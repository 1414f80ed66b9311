import { picodollarsToUsd } from '../cost/picodollars.js';
import { seatMonthRevenue } from '../events/plans.js';
import { DemoCalendar } from './demo-calendar.js';
import { agentSession, classifierSession, faqSession, summarizerSession, type DemoRecord, type DemoSession, type DemoUser } from './demo-features.js';
import { demoPlans, demoTiers, type DemoTier } from './demo-plans.js';
import { cumulative, SeededRandom } from './seeded-random.js';

/** What demo traffic to make. */
export interface DemoOptions {
  /** How many records to yield: usage events, outcomes and invoices together. */
  events: number;
  /** How many days the traffic spans, ending at endMs. */
  days: number;
  /** The instant the traffic ends (the caller's "now"; the core reads no clock). */
  endMs: number;
  seed: number;
}

const dayMs = 86_400_000;

// Share of users per tier, how much more a user of the tier does, and which features they use.
const tierShare: Record<DemoTier, number> = { free: 0.68, pro: 0.26, enterprise: 0.06 };
const tierActivity: Record<DemoTier, number> = { free: 0.5, pro: 1.6, enterprise: 3.2 };
const featureMix: Record<DemoTier, { faq: number; agent: number; summarizer: number; classifier: number }> = {
  free: { faq: 0.45, agent: 0, summarizer: 0.12, classifier: 0.43 },
  pro: { faq: 0.36, agent: 0.1, summarizer: 0.15, classifier: 0.39 },
  enterprise: { faq: 0.3, agent: 0.13, summarizer: 0.17, classifier: 0.4 },
};
const recordsPerUserMonth = 220;
const sessionKinds = ['faq', 'agent', 'summarizer', 'classifier'] as const;

/**
 * Realistic LLM traffic of a small SaaS, as wire-format records in time order: a support FAQ bot on a
 * budget model with a cached system prompt and a semantic cache, a coding agent on a frontier model whose
 * context grows every step, a summarizer sending raw provider usage, an intent classifier with tiny
 * outputs (and a few calls to a model no catalog knows); free, pro and enterprise users whose activity is
 * heavy-tailed; retries, cancellations, task outcomes, and the paying users' invoices per demoPlans.
 * A generator: ten million records stream in constant memory. The same options give the same records.
 */
export function* generateDemoEvents(options: DemoOptions): Generator<DemoRecord, void, undefined> {
  const { events, days, endMs, seed } = options;
  if (!Number.isInteger(events) || events < 0) throw new RangeError(`events must be a whole number, got ${events}`);
  if (!(days > 0)) throw new RangeError(`days must be positive, got ${days}`);
  const random = new SeededRandom(seed);
  const startMs = endMs - days * dayMs;
  const calendar = new DemoCalendar(startMs, endMs);
  const seedTag = (seed >>> 0).toString(36);
  let counter = 0;
  const nextId = (prefix: string): string => `${prefix}_${seedTag}_${(counter++).toString(36).padStart(7, '0')}`;

  // A user makes about recordsPerUserMonth records a month whatever the volume asked for, so the cost per
  // user and month (and the margins) are the same for a small demo and a ten-million-record benchmark.
  const userCount = Math.max(20, Math.min(200_000, Math.round(events / (Math.max(days, 1) / 30) / recordsPerUserMonth)));
  const users: DemoUser[] = [];
  const activity: number[] = [];
  const tierCumulative = cumulative(demoTiers.map((tier) => tierShare[tier]));
  for (let index = 0; index < userCount; index += 1) {
    const tier = demoTiers[random.weightedIndex(tierCumulative)]!;
    users.push({ id: `user-${String(index + 1).padStart(6, '0')}`, tier });
    // Pareto with shape 1.3: the top tenth of users make roughly half of the calls.
    activity.push(tierActivity[tier] * Math.min(random.pareto(1.3), 400));
  }
  const userCumulative = cumulative(activity);
  const seatPrice = Object.fromEntries(demoTiers.map((tier) => [tier, seatMonthRevenue(demoPlans[tier]!, { requests: 0, costPicodollars: 0n }).seat])) as Record<DemoTier, bigint>;
  const mixCumulative = Object.fromEntries(demoTiers.map((tier) => [tier, cumulative(sessionKinds.map((kind) => featureMix[tier][kind]))])) as Record<DemoTier, Float64Array>;

  // Billing state, one slot per user: the month last invoiced, and requests in the current month.
  const billedMonth = new Int32Array(userCount).fill(-1);
  const requestsThisMonth = new Int32Array(userCount);
  let currentMonth = -1;
  const cutoverMs = startMs + (endMs - startMs) * 0.6;

  const session: DemoSession = { random, records: [], user: users[0]!, startMs, endMs, nextId, environment: 'production' };
  let emitted = 0;
  while (emitted < events) {
    const startAt = Math.floor(calendar.at(emitted / events));
    const month = monthIndex(startAt);
    if (month !== currentMonth) {
      // A month closed: invoice the overage of every user who went past their allowance, then start counting again.
      if (currentMonth >= 0) {
        const invoicedAt = monthStartMs(month) + 3_600_000;
        for (let index = 0; index < userCount && emitted < events; index += 1) {
          const requests = requestsThisMonth[index]!;
          if (requests === 0) continue;
          const user = users[index]!;
          const overage = seatMonthRevenue(demoPlans[user.tier]!, { requests, costPicodollars: 0n }).overage;
          if (overage > 0n) {
            yield invoice(`inv_${seedTag}_${user.id}_${monthLabel(currentMonth)}_overage`, user, overage, invoicedAt, 'overage');
            emitted += 1;
          }
        }
        requestsThisMonth.fill(0);
      }
      currentMonth = month;
      if (emitted >= events) return;
    }

    const userIndex = random.weightedIndex(userCumulative);
    const user = users[userIndex]!;
    const seat = seatPrice[user.tier];
    if (seat > 0n && billedMonth[userIndex] !== month) {
      billedMonth[userIndex] = month;
      yield invoice(`inv_${seedTag}_${user.id}_${monthLabel(month)}_seat`, user, seat, startAt, 'seat');
      emitted += 1;
      if (emitted >= events) return;
    }

    session.records.length = 0;
    session.user = user;
    session.startMs = startAt;
    session.environment = random.chance(0.02) ? 'staging' : 'production';
    switch (sessionKinds[random.weightedIndex(mixCumulative[user.tier])]!) {
      case 'faq':
        faqSession(session, cutoverMs);
        break;
      case 'agent':
        agentSession(session);
        break;
      case 'summarizer':
        summarizerSession(session);
        break;
      case 'classifier':
        classifierSession(session);
        break;
    }
    for (const record of session.records) {
      if (emitted >= events) return;
      if (!('type' in record) && (record.status === undefined || record.status === 'ok')) requestsThisMonth[userIndex]! += 1;
      yield record;
      emitted += 1;
    }
  }
}

function invoice(id: string, user: DemoUser, amountPicodollars: bigint, atMs: number, kind: 'seat' | 'overage'): DemoRecord {
  return {
    type: 'revenue',
    id,
    user_id: user.id,
    amount_usd: picodollarsToUsd(amountPicodollars),
    timestamp: new Date(atMs).toISOString(),
    user_tier: user.tier,
    attributes: { kind, plan: user.tier },
  };
}

// Months since January 1970, UTC.
function monthIndex(timeMs: number): number {
  const date = new Date(timeMs);
  return (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
}

function monthStartMs(month: number): number {
  return Date.UTC(1970 + Math.floor(month / 12), month % 12, 1);
}

function monthLabel(month: number): string {
  return `${1970 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
}
