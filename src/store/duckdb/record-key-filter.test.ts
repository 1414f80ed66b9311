import { describe, expect, it } from 'vitest';
import { RecordKeyBloomFilter } from './record-key-filter.js';

// Keys as record_keys holds them: 63 bits of an MD5, as a high half of 31 bits and a low half of 32.
function randomKeys(count: number, seed: number): Array<[number, number]> {
  let state = seed >>> 0;
  const next = (): number => {
    // xorshift32: reproducible, and as uniform as MD5 bits for this purpose.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>>= 0);
  };
  return Array.from({ length: count }, () => [next() & 0x7fffffff, next() | 0]);
}

describe('the Bloom filter of record keys', () => {
  it('says "maybe" for every key added: a stored record is never let in twice', () => {
    const filter = new RecordKeyBloomFilter(200_000);
    const keys = randomKeys(200_000, 1);
    for (const [high, low] of keys) filter.add(high, low);
    expect(filter.size).toBe(200_000);
    expect(keys.every(([high, low]) => filter.mayContain(high, low))).toBe(true);
  });

  it('says "maybe" for fewer than 2 in 100,000 keys never added, at its capacity', () => {
    const filter = new RecordKeyBloomFilter(200_000);
    for (const [high, low] of randomKeys(200_000, 2)) filter.add(high, low);
    const others = randomKeys(400_000, 3);
    const falsePositives = others.filter(([high, low]) => filter.mayContain(high, low)).length;
    // 32 bits a key, 10 probes in one 512-bit block: about 5 in 1,000,000 in theory; so a commit of 4,000 new
    // records takes the scan of record_keys about once in fifty.
    expect(falsePositives / others.length).toBeLessThan(2e-5);
  });

  it('holds nothing when empty', () => {
    const filter = new RecordKeyBloomFilter(1_000);
    expect(randomKeys(10_000, 4).some(([high, low]) => filter.mayContain(high, low))).toBe(false);
  });
});
