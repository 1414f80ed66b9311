import { describe, expect, it } from 'vitest';
import { paretoCut } from './pareto-cut.js';

describe('paretoCut', () => {
  it('keeps the fewest costliest items that reach 80% of spend', () => {
    const view = paretoCut([
      { key: 'small', costPicodollars: 5n },
      { key: 'big', costPicodollars: 60n },
      { key: 'medium', costPicodollars: 25n },
      { key: 'tiny', costPicodollars: 10n },
    ]);
    expect(view.entries.map((entry) => entry.key)).toEqual(['big', 'medium', 'tiny', 'small']);
    expect(view.cutSize).toBe(2);
    expect(view.entries.map((entry) => entry.inCut)).toEqual([true, true, false, false]);
    expect(view.entries[1]).toMatchObject({ share: 0.25, cumulativeShare: 0.85 });
    expect(view.totalPicodollars).toBe(100n);
  });

  it('stops exactly at the target share', () => {
    const view = paretoCut([
      { key: 'a', costPicodollars: 80n },
      { key: 'b', costPicodollars: 20n },
    ]);
    expect(view.cutSize).toBe(1);
  });

  it('ranks ties in the order given and never puts free items in the cut', () => {
    const view = paretoCut([
      { key: 'first', costPicodollars: 50n },
      { key: 'second', costPicodollars: 50n },
      { key: 'free', costPicodollars: 0n },
    ]);
    expect(view.entries.map((entry) => [entry.key, entry.inCut])).toEqual([
      ['first', true],
      ['second', true],
      ['free', false],
    ]);
  });

  it('has an empty cut when nothing was spent', () => {
    expect(paretoCut([{ key: 'free', costPicodollars: 0n }]).cutSize).toBe(0);
    expect(paretoCut([]).entries).toEqual([]);
  });
});
