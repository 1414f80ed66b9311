import { describe, expect, it } from 'vitest';
import { parseEventRecord } from '../events/parse-event-record.js';
import type { OutcomeRecord, RevenueRecord, UsageEvent } from '../events/usage-event.js';
import { demoFeatures, demoUnknownModel, type DemoRecord } from './demo-features.js';
import { generateDemoEvents } from './generate-demo-events.js';

const endMs = Date.parse('2026-04-01T00:00:00Z');
const days = 90;
const startMs = endMs - days * 86_400_000;

function take(count: number, seed = 1): DemoRecord[] {
  return [...generateDemoEvents({ events: count, days, endMs, seed })];
}

// One sample shared by the realism checks: 60k records over 90 days.
const sample = take(60_000);
const usage = sample.filter((record): record is UsageEvent => !('type' in record));
const outcomes = sample.filter((record): record is OutcomeRecord => 'type' in record && record.type === 'outcome');
const revenue = sample.filter((record): record is RevenueRecord => 'type' in record && record.type === 'revenue');
const ofFeature = (feature: string): UsageEvent[] => usage.filter((event) => event.feature === feature);

describe('generateDemoEvents', () => {
  it('gives the same records for the same seed and others for another seed', () => {
    const first = JSON.stringify(take(3_000, 42));
    expect(JSON.stringify(take(3_000, 42))).toBe(first);
    expect(JSON.stringify(take(3_000, 43))).not.toBe(first);
  });

  it('yields exactly the number of records asked for, inside the time range', () => {
    expect(sample).toHaveLength(60_000);
    const times = sample.map((record) => Date.parse(record.timestamp));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(startMs);
    expect(Math.max(...times)).toBeLessThanOrEqual(endMs);
    // Traffic fills the whole range, not just its start.
    expect(times.filter((time) => time > endMs - 7 * 86_400_000).length).toBeGreaterThan(3_000);
  });

  it('makes only records that parseEventRecord accepts, as objects and after a JSON round trip', () => {
    for (const record of sample) {
      const direct = parseEventRecord(record, { nowMs: endMs });
      if (!direct.ok) throw new Error(`${JSON.stringify(record)}: ${JSON.stringify(direct.errors)}`);
      expect(parseEventRecord(JSON.parse(JSON.stringify(record)), { nowMs: endMs }).ok).toBe(true);
    }
  });

  it('streams: the first record of ten million comes at once, and 200k pass through without an array', () => {
    const started = performance.now();
    const iterator = generateDemoEvents({ events: 10_000_000, days: 30, endMs, seed: 3 });
    expect(iterator.next().done).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
    let count = 0;
    for (const record of generateDemoEvents({ events: 200_000, days: 30, endMs, seed: 3 })) {
      if (record.timestamp) count += 1;
    }
    expect(count).toBe(200_000);
  });

  it('grows the coding agent\'s context with every step, mostly read from the prompt cache', () => {
    const agent = ofFeature(demoFeatures.agent.feature).filter((event) => event.status === undefined);
    const meanInput = (step: number): number => {
      const atStep = agent.filter((event) => event.step === step);
      return atStep.reduce((sum, event) => sum + event.input_tokens!, 0) / atStep.length;
    };
    expect(meanInput(1)).toBeGreaterThan(14_000);
    expect(meanInput(3)).toBeGreaterThan(meanInput(1) * 1.2);
    expect(meanInput(6)).toBeGreaterThan(meanInput(3) * 1.2);
    const read = agent.reduce((sum, event) => sum + (event.cache_read_tokens ?? 0), 0);
    const input = agent.reduce((sum, event) => sum + event.input_tokens!, 0);
    expect(read / input).toBeGreaterThan(0.8);
    expect(agent.every((event) => event.model === 'claude-opus-4-7' && event.task_id !== undefined)).toBe(true);
  });

  it('reads most of the FAQ bot\'s input from the prompt cache, writes it now and then, and answers a fifth from the semantic cache', () => {
    const faq = ofFeature(demoFeatures.faq.feature);
    const called = faq.filter((event) => event.response_cache === 'miss' && event.status !== 'error');
    const read = called.reduce((sum, event) => sum + (event.cache_read_tokens ?? 0), 0);
    const input = called.reduce((sum, event) => sum + event.input_tokens!, 0);
    expect(read / input).toBeGreaterThan(0.8);
    const writes = called.filter((event) => (event.cache_write_tokens ?? 0) > 0).length / called.length;
    expect(writes).toBeGreaterThan(0.01);
    expect(writes).toBeLessThan(0.1);
    expect(called.some((event) => (event.cache_write_1h_tokens ?? 0) > 0)).toBe(true);
    const firstQuestions = faq.filter((event) => event.step === 1 && event.retry_of === undefined);
    const hits = firstQuestions.filter((event) => event.response_cache === 'hit');
    expect(hits.length / firstQuestions.length).toBeGreaterThan(0.15);
    expect(hits.length / firstQuestions.length).toBeLessThan(0.3);
    expect(hits.every((event) => event.input_tokens === 0 && event.output_tokens === 0)).toBe(true);
    expect(faq.every((event) => event.model === 'claude-haiku-4-5')).toBe(true);
  });

  it('gives the summarizer long inputs as raw provider usage and the classifier tiny outputs', () => {
    const summaries = ofFeature(demoFeatures.summarizer.feature);
    expect(summaries.every((event) => event.usage_format === 'openai-responses' && event.input_tokens === undefined)).toBe(true);
    const inputs = summaries.map((event) => (event.usage as { input_tokens: number }).input_tokens).sort((a, b) => a - b);
    expect(inputs[Math.floor(inputs.length / 2)]).toBeGreaterThan(8_000);
    const classifications = ofFeature(demoFeatures.classifier.feature);
    expect(classifications.every((event) => event.output_tokens! <= 6)).toBe(true);
    expect(classifications.some((event) => event.model === demoUnknownModel.model)).toBe(true);
  });

  it('has free users the most numerous, enterprise users the fewest, and a heavy tail of activity', () => {
    const tierOf = new Map(usage.map((event) => [event.user_id!, event.user_tier!]));
    const users = [...tierOf.values()];
    const share = (tier: string): number => users.filter((value) => value === tier).length / users.length;
    expect(share('free')).toBeGreaterThan(0.5);
    expect(share('enterprise')).toBeLessThan(share('pro'));
    expect(share('enterprise')).toBeGreaterThan(0.01);
    const calls = new Map<string, number>();
    for (const event of usage) calls.set(event.user_id!, (calls.get(event.user_id!) ?? 0) + 1);
    const counts = [...calls.values()].sort((a, b) => b - a);
    const top = counts.slice(0, Math.ceil(counts.length / 10)).reduce((sum, count) => sum + count, 0);
    expect(top / usage.length).toBeGreaterThan(0.4);
    expect(ofFeature(demoFeatures.agent.feature).some((event) => event.user_tier === 'free')).toBe(false);
  });

  it('retries failed calls naming them, and ends tasks in successes and failures', () => {
    const failedIds = new Set(usage.filter((event) => event.status === 'error' || event.status === 'timeout').map((event) => event.id));
    const retries = usage.filter((event) => event.retry_of !== undefined);
    expect(retries.length).toBeGreaterThan(50);
    expect(retries.every((retry) => failedIds.has(retry.retry_of!))).toBe(true);
    expect(usage.some((event) => event.status === 'cancelled')).toBe(true);
    const taskIds = new Set(usage.map((event) => event.task_id).filter(Boolean));
    expect(outcomes.every((outcome) => taskIds.has(outcome.task_id))).toBe(true);
    const successes = outcomes.filter((outcome) => outcome.outcome === 'success').length / outcomes.length;
    expect(successes).toBeGreaterThan(0.55);
    expect(successes).toBeLessThan(0.85);
  });

  it('invoices paying users a seat each active month and overage when a month closes', () => {
    const seats = revenue.filter((record) => record.attributes?.kind === 'seat');
    const overage = revenue.filter((record) => record.attributes?.kind === 'overage');
    expect(seats.every((record) => (record.user_tier === 'pro' && record.amount_usd === 20) || (record.user_tier === 'enterprise' && record.amount_usd === 60))).toBe(true);
    expect(overage.length).toBeGreaterThan(0);
    const perUserMonth = new Set(seats.map((record) => `${record.user_id} ${record.timestamp.slice(0, 7)}`));
    expect(perUserMonth.size).toBe(seats.length);
    expect(revenue.some((record) => record.user_tier === 'free')).toBe(false);
  });

  it('refuses a negative count or an empty range', () => {
    expect(() => take(-1)).toThrow(RangeError);
    expect(() => [...generateDemoEvents({ events: 10, days: 0, endMs, seed: 1 })]).toThrow(RangeError);
  });
});
