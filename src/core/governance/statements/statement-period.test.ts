import { describe, expect, it } from 'vitest';
import { parseStatementPeriod, periodsOverlap } from './statement-period.js';

describe('parseStatementPeriod', () => {
  it('reads a month as its days, the end excluded', () => {
    expect(parseStatementPeriod({ period: '2026-11' })).toEqual({ label: '2026-11', from: '2026-11-01', to: '2026-12-01' });
    expect(parseStatementPeriod({ period: '2026-12' }).to).toBe('2027-01-01');
    expect(() => parseStatementPeriod({ period: '2026-13' })).toThrow('--period 2026-13 is not a month');
  });

  it('reads an ISO week from its Monday', () => {
    expect(parseStatementPeriod({ period: '2026-W47' })).toEqual({ label: '2026-W47', from: '2026-11-16', to: '2026-11-23' });
    // 2026-01-01 is a Thursday: week 1 starts on Monday 2025-12-29, and 2026 has 53 weeks.
    expect(parseStatementPeriod({ period: '2026-W01' }).from).toBe('2025-12-29');
    expect(parseStatementPeriod({ period: '2026-W53' }).from).toBe('2026-12-28');
    expect(() => parseStatementPeriod({ period: '2025-W53' })).toThrow('2025 has ISO weeks 01 to 52');
  });

  it('reads --from and --to as days, --to being the first day after', () => {
    expect(parseStatementPeriod({ from: '2026-11-03', to: '2026-11-17' })).toEqual({ label: '2026-11-03..2026-11-16', from: '2026-11-03', to: '2026-11-17' });
    expect(() => parseStatementPeriod({ from: '2026-11-03', to: '2026-11-03' })).toThrow('must come after --from');
  });

  it('asks for one form of period, and says which forms there are', () => {
    expect(() => parseStatementPeriod({})).toThrow('--period 2026-11');
    expect(() => parseStatementPeriod({ period: '2026-11', from: '2026-11-01' })).toThrow('one or the other');
    expect(() => parseStatementPeriod({ period: 'November' })).toThrow('--period must be a month (2026-11) or an ISO week (2026-W47)');
  });
});

describe('periodsOverlap', () => {
  it('counts a shared day as an overlap, and touching ends as none', () => {
    expect(periodsOverlap({ from: '2026-11-01', to: '2026-12-01' }, { from: '2026-11-30', to: '2026-12-07' })).toBe(true);
    expect(periodsOverlap({ from: '2026-11-01', to: '2026-12-01' }, { from: '2026-12-01', to: '2026-12-08' })).toBe(false);
  });
});
