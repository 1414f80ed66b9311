import { describe, expect, it } from 'vitest';
import { budgetPeriodStart } from './budget-period-start.js';

const now = Date.parse('2026-03-04T15:00:00Z');

describe('budgetPeriodStart', () => {
  it('starts days at UTC midnight, weeks on Monday and months on the first', () => {
    expect(new Date(budgetPeriodStart('day', now)).toISOString()).toBe('2026-03-04T00:00:00.000Z');
    expect(new Date(budgetPeriodStart('week', now)).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(budgetPeriodStart('week', Date.parse('2026-03-08T23:00:00Z'))).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(budgetPeriodStart('month', now)).toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});
