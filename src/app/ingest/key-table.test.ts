import { describe, expect, it } from 'vitest';
import { KeyTable } from './key-table.js';

describe('KeyTable', () => {
  it('finds every key added, through its growth, and no other', () => {
    const table = new KeyTable(4);
    const key = (index: number): [number, number] => [(index * 2654435761) >>> 1, Math.imul(index, 40503) ^ (index << 7)];
    for (let index = 0; index < 50_000; index += 1) expect(table.add(...key(index))).toBe(true);
    expect(table.size).toBe(50_000);
    for (let index = 0; index < 50_000; index += 1) expect(table.has(...key(index))).toBe(true);
    for (let index = 50_000; index < 60_000; index += 1) expect(table.has(...key(index))).toBe(false);
  });

  it('tells a key added twice, including keys that share a low half', () => {
    const table = new KeyTable();
    expect(table.add(1, -5)).toBe(true);
    expect(table.add(2, -5)).toBe(true);
    expect(table.add(1, -5)).toBe(false);
    expect(table.has(2, -5)).toBe(true);
    expect(table.has(3, -5)).toBe(false);
    expect(table.size).toBe(2);
  });
});
