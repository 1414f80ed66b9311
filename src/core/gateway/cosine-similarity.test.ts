import { describe, expect, it } from 'vitest';
import { cosineOfUnitVectors, unitVector } from './cosine-similarity.js';

describe('unitVector and cosineOfUnitVectors', () => {
  it('scales a vector to length 1, so that the cosine of two is their dot product', () => {
    const unit = unitVector([3, 4])!;
    expect(Array.from(unit)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(cosineOfUnitVectors(unit, unitVector([6, 8])!)).toBeCloseTo(1, 6);
  });

  it('measures the angle, not the length: orthogonal is 0, opposite is -1', () => {
    expect(cosineOfUnitVectors(unitVector([1, 0, 0])!, unitVector([0, 5, 0])!)).toBeCloseTo(0, 6);
    expect(cosineOfUnitVectors(unitVector([1, 2, 3])!, unitVector([-2, -4, -6])!)).toBeCloseTo(-1, 6);
    expect(cosineOfUnitVectors(unitVector([1, 1])!, unitVector([1, 0])!)).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('sums vectors whose length is not a multiple of four to their last component', () => {
    const left = unitVector([1, 2, 3, 4, 5, 6, 7])!;
    const right = unitVector([7, 6, 5, 4, 3, 2, 1])!;
    expect(cosineOfUnitVectors(left, right)).toBeCloseTo(84 / 140, 6);
  });

  it('has no direction for a zero, empty or non-finite vector', () => {
    expect(unitVector([0, 0, 0])).toBeUndefined();
    expect(unitVector([])).toBeUndefined();
    expect(unitVector([1, Number.NaN])).toBeUndefined();
    expect(unitVector([1, Number.POSITIVE_INFINITY])).toBeUndefined();
  });

  it('never finds vectors of two lengths (two embedding models) similar', () => {
    expect(cosineOfUnitVectors(unitVector([1, 0])!, unitVector([1, 0, 0])!)).toBe(-1);
  });
});
