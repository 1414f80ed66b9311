import { describe, expect, it } from 'vitest';
import { DemoCalendar } from './demo-calendar.js';

describe('DemoCalendar', () => {
  const startMs = Date.parse('2026-03-02T00:00:00Z'); // a Monday
  const calendar = new DemoCalendar(startMs, startMs + 14 * 86_400_000);

  it('maps the share of traffic to an instant, from the start to the end of the range', () => {
    expect(calendar.at(0)).toBe(startMs);
    expect(calendar.at(1)).toBe(startMs + 14 * 86_400_000);
    expect(calendar.at(0.5)).toBeGreaterThan(calendar.at(0.25));
  });

  it('puts more traffic in weekday afternoons than at night and on weekends', () => {
    const hours = new Array<number>(24).fill(0);
    let weekend = 0;
    for (let index = 0; index < 10_000; index += 1) {
      const date = new Date(calendar.at((index + 0.5) / 10_000));
      hours[date.getUTCHours()]! += 1;
      if (date.getUTCDay() === 0 || date.getUTCDay() === 6) weekend += 1;
    }
    expect(hours[15]!).toBeGreaterThan(hours[3]! * 2);
    expect(weekend / 10_000).toBeLessThan(2 / 7);
  });
});
