import { describe, expect, it } from 'vitest';
import { parseTimestampMs, timestampPattern } from './parse-timestamp.js';

describe('parseTimestampMs', () => {
  it('reads a UTC timestamp with milliseconds', () => {
    expect(parseTimestampMs('2026-03-01T12:00:00.250Z')).toBe(Date.parse('2026-03-01T12:00:00.250Z'));
  });

  it('reads a time without a zone as UTC, with a space or a T', () => {
    expect(parseTimestampMs('2026-03-01 12:00:00')).toBe(Date.parse('2026-03-01T12:00:00Z'));
    expect(parseTimestampMs('2026-03-01T12:00')).toBe(Date.parse('2026-03-01T12:00:00Z'));
  });

  it('applies offsets with or without a colon', () => {
    expect(parseTimestampMs('2026-03-01T12:00:00+01:00')).toBe(Date.parse('2026-03-01T11:00:00Z'));
    expect(parseTimestampMs('2026-03-01T12:00:00-0530')).toBe(Date.parse('2026-03-01T17:30:00Z'));
  });

  it('drops what lies below a millisecond instead of rounding', () => {
    expect(parseTimestampMs('2026-03-01T12:00:00.123999Z')).toBe(Date.parse('2026-03-01T12:00:00.123Z'));
    expect(parseTimestampMs('2026-03-01T12:00:00.5Z')).toBe(Date.parse('2026-03-01T12:00:00.500Z'));
  });

  it('refuses dates that do not exist, which Date.parse rolls over', () => {
    expect(Date.parse('2026-02-30T00:00:00Z')).not.toBeNaN();
    expect(parseTimestampMs('2026-02-30T00:00:00Z')).toBeUndefined();
    expect(parseTimestampMs('2026-04-31T00:00:00Z')).toBeUndefined();
    expect(parseTimestampMs('2026-03-01T24:00:00Z')).toBeUndefined();
    expect(parseTimestampMs('2026-03-01T12:60:00Z')).toBeUndefined();
    expect(parseTimestampMs('2026-03-01T12:00:60Z')).toBeUndefined();
  });

  it('knows leap years', () => {
    expect(parseTimestampMs('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z'));
    expect(parseTimestampMs('2100-02-29T00:00:00Z')).toBeUndefined();
    expect(parseTimestampMs('2000-02-29T00:00:00Z')).toBe(Date.parse('2000-02-29T00:00:00Z'));
  });

  it('counts years below 100 as such, where Date.UTC would read 1900s', () => {
    expect(parseTimestampMs('0050-06-01T00:00:00Z')).toBe(new Date('0050-06-01T00:00:00Z').getTime());
  });

  it('refuses what is not an ISO 8601 date and time', () => {
    for (const text of ['2026-03-01', '1772366400', '03/01/2026 12:00', '2026-03-01T12:00:00.Z', '2026-03-01T12:00:00+1', '2026-03-01t12:00:00z', '2026-03-01T12:00:00Z ']) {
      expect(parseTimestampMs(text), text).toBeUndefined();
    }
  });

  it('accepts only strings the documented pattern accepts', () => {
    const samples = ['2026-03-01T12:00:00Z', '2026-03-01T12:00+0100', '2026-03-01 12:00:00.1', '2026-03-01T12:00:00+01', '2026-03-01T12Z', '+2026-03-01T12:00Z'];
    for (const text of samples) {
      if (parseTimestampMs(text) !== undefined) expect(timestampPattern.test(text), text).toBe(true);
    }
  });
});
