/**
 * A set of 63-bit record keys (pairs of 32-bit halves) in typed arrays: the keys of one group of requests not yet
 * committed. Open addressing, linear probing, grown at half full, never shrunk; a group's table is dropped whole
 * once the group commits, so no key is ever removed. A Map of the keys folded into numbers cost ~1.3 µs a record on
 * the server's thread (every double a key is a heap number); this costs a probe or two.
 */
export class KeyTable {
  private slots: Int32Array;
  private used: Uint8Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.slots = new Int32Array(capacity * 2);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  has(high: number, low: number): boolean {
    for (let slot = this.slotOf(high, low); this.used[slot] === 1; slot = (slot + 1) & this.mask) {
      if (this.slots[2 * slot] === high && this.slots[2 * slot + 1] === low) return true;
    }
    return false;
  }

  /** Adds a key; false if it was there already. */
  add(high: number, low: number): boolean {
    let slot = this.slotOf(high, low);
    for (; this.used[slot] === 1; slot = (slot + 1) & this.mask) {
      if (this.slots[2 * slot] === high && this.slots[2 * slot + 1] === low) return false;
    }
    this.used[slot] = 1;
    this.slots[2 * slot] = high;
    this.slots[2 * slot + 1] = low;
    this.count += 1;
    if (this.count * 2 > this.mask + 1) this.grow();
    return true;
  }

  // The key's bits are MD5's: its low half alone spreads the slots evenly.
  private slotOf(_high: number, low: number): number {
    return low & this.mask;
  }

  private grow(): void {
    const { slots, used } = this;
    const capacity = (this.mask + 1) * 2;
    this.slots = new Int32Array(capacity * 2);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
    this.count = 0;
    for (let slot = 0; slot < used.length; slot += 1) if (used[slot] === 1) this.add(slots[2 * slot]!, slots[2 * slot + 1]!);
  }
}
