import { describe, expect, it } from 'vitest';
import { UnitcostError } from '../unitcost-error.js';
import { emptyGroupAggregate, type GroupAggregate } from './group-aggregate.js';
import { randomGroupAggregates } from '../../testing/random-group-aggregates.js';
import { measureFormulas, narrowedChanges, narrowedMeasures, reportFields, sumsOfFields, type ReportField } from './report-fields.js';
import { measureChanges, reportMeasures } from './report-measures.js';
import { parseFields } from './report-request.js';

const { random, aggregate: randomAggregate } = randomGroupAggregates(11);

describe('a report narrowed to some measures', () => {
  it('knows every measure of a report row, in the row\'s order', () => {
    expect(reportFields).toEqual(Object.keys(reportMeasures(emptyGroupAggregate(), true)));
  });

  it('computes each measure as the full report does, to the bit, on both of its paths', () => {
    for (let index = 0; index < 2_000; index += 1) {
      const sample = randomAggregate();
      const tracked = random() < 0.8;
      const full = reportMeasures(sample, tracked);
      const narrowed = narrowedMeasures(sample, tracked, reportFields);
      for (const field of reportFields) expect({ field, same: Object.is(narrowed[field], full[field]) }).toEqual({ field, same: true });
    }
  });

  it('reads only the sums its measures name: a field computed from other sums zeroed gives the same value', () => {
    // Each formula, given an aggregate whose every sum it does not list is zeroed, gives what it gives on the whole aggregate.
    const zeroedExcept = (sample: GroupAggregate, field: ReportField): GroupAggregate => {
      const sums = new Set(measureFormulas[field].sums);
      const zero = emptyGroupAggregate();
      const has = (sum: Parameters<typeof sums.has>[0]): boolean => sums.has(sum);
      return {
        ...zero,
        calls: has('calls') ? sample.calls : 0,
        pricedCalls: has('priced_calls') ? sample.pricedCalls : 0,
        unpricedCalls: has('unpriced_calls') ? sample.unpricedCalls : 0,
        failedCalls: has('failed_calls') ? sample.failedCalls : 0,
        tokens: {
          input: has('input_tokens') ? sample.tokens.input : 0,
          cacheRead: has('cache_read_tokens') ? sample.tokens.cacheRead : 0,
          cacheWrite5m: has('cache_write_5m_tokens') ? sample.tokens.cacheWrite5m : 0,
          cacheWrite1h: has('cache_write_1h_tokens') ? sample.tokens.cacheWrite1h : 0,
          output: has('output_tokens') ? sample.tokens.output : 0,
          reasoning: has('reasoning_tokens') ? sample.tokens.reasoning : 0,
          inputAudio: has('input_audio_tokens') ? sample.tokens.inputAudio : 0,
          outputAudio: has('output_audio_tokens') ? sample.tokens.outputAudio : 0,
        },
        unpricedInputTokens: has('unpriced_input_tokens') ? sample.unpricedInputTokens : 0,
        unpricedOutputTokens: has('unpriced_output_tokens') ? sample.unpricedOutputTokens : 0,
        costPicodollars: {
          input: has('cost_input') ? sample.costPicodollars.input : 0n,
          cacheRead: has('cost_cache_read') ? sample.costPicodollars.cacheRead : 0n,
          cacheWrite5m: has('cost_cache_write_5m') ? sample.costPicodollars.cacheWrite5m : 0n,
          cacheWrite1h: has('cost_cache_write_1h') ? sample.costPicodollars.cacheWrite1h : 0n,
          output: has('cost_output') ? sample.costPicodollars.output : 0n,
          reasoning: has('cost_reasoning') ? sample.costPicodollars.reasoning : 0n,
          audio: has('cost_audio') ? sample.costPicodollars.audio : 0n,
          request: has('cost_request') ? sample.costPicodollars.request : 0n,
          total: has('cost_total') ? sample.costPicodollars.total : 0n,
        },
        responseCacheHits: has('response_cache_hits') ? sample.responseCacheHits : 0,
        responseCacheLookups: has('response_cache_lookups') ? sample.responseCacheLookups : 0,
        tierCalls: has('tier_calls') ? sample.tierCalls : zero.tierCalls,
        tierCostPicodollars: has('tier_cost') ? sample.tierCostPicodollars : zero.tierCostPicodollars,
        tasks: has('tasks') ? sample.tasks : 0,
        successfulTasks: has('tasks') ? sample.successfulTasks : 0,
        failedTasks: has('tasks') ? sample.failedTasks : 0,
        activeUsers: has('active_users') ? sample.activeUsers : 0,
        activeUserMonths: has('active_user_months') ? sample.activeUserMonths : 0,
        planRevenuePicodollars: has('revenue') ? sample.planRevenuePicodollars : 0n,
        recordRevenuePicodollars: has('revenue') ? sample.recordRevenuePicodollars : 0n,
      };
    };
    for (let index = 0; index < 500; index += 1) {
      const sample = randomAggregate();
      for (const field of reportFields) {
        expect({ field, same: Object.is(measureFormulas[field].value(zeroedExcept(sample, field), true), measureFormulas[field].value(sample, true)) }).toEqual({ field, same: true });
      }
    }
  });

  it('sums for the feature page\'s users only calls, priced calls, cost, user-months and revenue', () => {
    expect(sumsOfFields(['calls', 'cost_usd', 'revenue_usd', 'cost_per_active_user_month_usd'])).toEqual(['calls', 'priced_calls', 'cost_total', 'active_user_months', 'revenue']);
    // Calls and cost order the rows, and revenue makes rows of its own: every narrowed report sums them.
    expect(sumsOfFields(['input_tokens'])).toEqual(['calls', 'input_tokens', 'cost_total', 'revenue']);
    expect(sumsOfFields(['frontier_call_share', 'task_success_rate'])).toEqual(['calls', 'cost_total', 'tier_calls', 'tasks', 'revenue']);
  });

  it('keeps the changes of the compared measures among its fields, as the full report computes them', () => {
    const now = randomAggregate();
    const before = randomAggregate();
    const fields: ReportField[] = ['cost_usd', 'input_tokens', 'inference_margin', 'calls'];
    const changes = narrowedChanges(narrowedMeasures(now, true, fields), narrowedMeasures(before, true, fields), fields);
    const full = measureChanges(reportMeasures(now, true), reportMeasures(before, true));
    expect(changes).toEqual({ cost_usd: full.cost_usd, inference_margin: full.inference_margin, calls: full.calls });
    expect(narrowedChanges(narrowedMeasures(now, true, fields), null, fields)).toEqual({ cost_usd: null, inference_margin: null, calls: null });
  });

  it('reads --fields in the order given, once each, dashes for underscores', () => {
    expect(parseFields(['cost_usd,calls', 'revenue-usd', 'calls'])).toEqual(['cost_usd', 'calls', 'revenue_usd']);
  });

  it('refuses an unknown measure, naming it, the nearest names and every valid one', () => {
    const refusal = (): unknown => {
      try {
        parseFields(['calls,cost_per_user'], 'fields');
      } catch (error) {
        return error;
      }
      return null;
    };
    const error = refusal();
    expect(error).toBeInstanceOf(UnitcostError);
    const { message, details } = error as UnitcostError;
    expect(message).toContain('fields cannot use "cost_per_user"');
    expect(message).toContain(`choose from ${reportFields.join(', ')}`);
    expect(details.field).toBe('fields');
    expect(details.suggestions).toContain('cost_per_active_user_month_usd');
    expect(() => parseFields([' , '])).toThrow(/--fields names no measure/);
  });
});
