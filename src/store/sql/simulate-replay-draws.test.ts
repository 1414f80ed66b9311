import { describe, expect, it } from 'vitest';
import { compileReplayPlan } from '../../core/simulate/compile-replay-plan.js';
import { simulationScenarioSchema } from '../../core/simulate/scenario-schema.js';
import { replayedCallsSql } from './simulate-replay-queries.js';
import { clickhouseDialect, duckdbDialect } from './sql-dialect.js';

/*
 * A call's draw is an MD5 of its id (simulate-replay-queries.ts, drawSql): the replay computes one only where
 * its outcome is not settled by the share alone — a share of 1 (a route's default) always picks the call, a
 * misroute rate of 0 never re-runs it — and a misroute draw only for routed calls.
 */

const md5Calls = (sql: string): number => sql.match(/md5/gi)?.length ?? 0;

function sqlOf(route: Record<string, unknown>, dialect = duckdbDialect): string {
  const scenario = simulationScenarioSchema.parse({ levers: [{ route: { feature: 'support-faq', to: 'openai/gpt-4.1-mini', ...route } }] });
  const plan = compileReplayPlan(scenario, { targetKey: () => 1, overriddenKeys: [] });
  return replayedCallsSql(plan, [], [], { fromMs: 0, toMs: 1 }, dialect);
}

describe('the replay draws', () => {
  it.each([duckdbDialect, clickhouseDialect])('draws only where a share leaves the outcome open (%#)', (dialect) => {
    expect(md5Calls(sqlOf({}, dialect))).toBe(0);
    expect(md5Calls(sqlOf({ share: 0.5 }, dialect))).toBe(1);
    expect(md5Calls(sqlOf({ misroute_rate: 0.1 }, dialect))).toBe(1);
    expect(md5Calls(sqlOf({ share: 0.5, misroute_rate: 0.1 }, dialect))).toBe(2);
  });

  it('draws the misroute of routed calls only', () => {
    expect(sqlOf({ share: 0.5, misroute_rate: 0.1 })).toMatch(/CASE WHEN routed THEN coalesce\(CASE WHEN route_index = 0 THEN \(CAST\(md5_number/);
  });
});
