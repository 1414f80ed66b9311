import { describe, expect, it } from 'vitest';
import { bucketStart, daysInMonth, planReportPeriods } from './report-periods.js';

describe('report periods', () => {
  it('starts ISO weeks on Monday and months on the first', () => {
    expect(bucketStart('2026-03-04', 'week')).toBe('2026-03-02');
    expect(bucketStart('2026-03-01', 'week')).toBe('2026-02-23');
    expect(bucketStart('2026-03-02', 'week')).toBe('2026-03-02');
    expect(bucketStart('2026-03-31', 'month')).toBe('2026-03-01');
    expect(daysInMonth('2028-02-10')).toBe(29);
  });

  it('compares a window with the window of equal length before it', () => {
    const plan = planReportPeriods({ from: '2026-03-02', to: '2026-03-09' }, null);
    expect(plan.previousWindow).toEqual({ from: '2026-02-23', to: '2026-03-02' });
    expect(plan.buckets).toEqual([{ key: '2026-03-02', current: { id: 0, from: '2026-03-02', to: '2026-03-09' }, previous: { id: 1, from: '2026-02-23', to: '2026-03-02' } }]);
    // The previous week straddles February and March: 6 of 28 days, then 1 of 31.
    expect(plan.monthParts).toEqual([
      { sliceId: 0, month: '2026-03-01', days: 7, monthDays: 31 },
      { sliceId: 1, month: '2026-02-01', days: 6, monthDays: 28 },
      { sliceId: 1, month: '2026-03-01', days: 1, monthDays: 31 },
    ]);
    expect(plan.monthRange).toEqual({ from: '2026-02-01', to: '2026-04-01' });
  });

  it('clips calendar buckets to the window and compares each with the whole bucket before it', () => {
    const plan = planReportPeriods({ from: '2026-03-04', to: '2026-03-18' }, 'week');
    expect(plan.buckets.map((bucket) => [bucket.key, bucket.current.from, bucket.current.to, bucket.previous.from, bucket.previous.to])).toEqual([
      ['2026-03-02', '2026-03-04', '2026-03-09', '2026-02-23', '2026-03-02'],
      ['2026-03-09', '2026-03-09', '2026-03-16', '2026-03-02', '2026-03-09'],
      ['2026-03-16', '2026-03-16', '2026-03-18', '2026-03-09', '2026-03-16'],
    ]);
    // A whole week is both a bucket and the bucket the next one is compared with: one slice serves both.
    expect(plan.buckets[2]!.previous.id).toBe(plan.buckets[1]!.current.id);
    expect(plan.range).toEqual({ from: '2026-02-23', to: '2026-03-18' });
  });

  it('buckets by calendar month', () => {
    const plan = planReportPeriods({ from: '2026-01-01', to: '2026-04-01' }, 'month');
    expect(plan.buckets.map((bucket) => [bucket.current.from, bucket.current.to, bucket.previous.from])).toEqual([
      ['2026-01-01', '2026-02-01', '2025-12-01'],
      ['2026-02-01', '2026-03-01', '2026-01-01'],
      ['2026-03-01', '2026-04-01', '2026-02-01'],
    ]);
  });

  it('refuses an empty window and a bucket count that would flood the output', () => {
    expect(() => planReportPeriods({ from: '2026-03-02', to: '2026-03-02' }, null)).toThrow(/window is empty/);
    expect(() => planReportPeriods({ from: '2000-01-01', to: '2026-01-01' }, 'day')).toThrow(/more than 5000 rows/);
  });
});
