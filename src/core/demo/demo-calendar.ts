/**
 * When demo traffic happens: busier on weekday afternoons (UTC), quieter at night and on weekends, and
 * growing over the range, so day and week reports have a shape and "change vs previous period" moves.
 * Built as a cumulative intensity per hour, so that the k-th of N records lands where a fraction k/N of
 * the range's traffic has passed: the records stream in time order and fill the range exactly.
 */
export class DemoCalendar {
  private readonly cumulativeByHour: Float64Array;
  private readonly startHourMs: number;

  constructor(
    readonly startMs: number,
    readonly endMs: number,
    /** Traffic at the end of the range relative to its start. */
    growth = 1.4,
  ) {
    const hourMs = 3_600_000;
    this.startHourMs = startMs;
    const hours = Math.max(1, Math.ceil((endMs - startMs) / hourMs));
    this.cumulativeByHour = new Float64Array(hours);
    let total = 0;
    for (let hour = 0; hour < hours; hour += 1) {
      const timeMs = startMs + hour * hourMs;
      const date = new Date(timeMs);
      const hourOfDay = date.getUTCHours();
      const weekday = date.getUTCDay();
      // A daytime bump peaking at 15:00 UTC, when Europe and the Americas overlap.
      const daily = 0.25 + Math.exp(-(((hourOfDay - 15) / 4.5) ** 2));
      const weekly = weekday === 0 || weekday === 6 ? 0.45 : 1;
      const trend = 1 + (growth - 1) * (hour / hours);
      // The last hour may be partial.
      const width = Math.min(1, (endMs - timeMs) / hourMs);
      total += daily * weekly * trend * width;
      this.cumulativeByHour[hour] = total;
    }
  }

  /** The instant by which the given fraction (0 to 1) of the range's traffic has happened. */
  at(fraction: number): number {
    const sums = this.cumulativeByHour;
    const target = Math.min(1, Math.max(0, fraction)) * sums[sums.length - 1]!;
    let low = 0;
    let high = sums.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sums[middle]! >= target) high = middle;
      else low = middle + 1;
    }
    const before = low === 0 ? 0 : sums[low - 1]!;
    const within = sums[low]! === before ? 0 : (target - before) / (sums[low]! - before);
    return Math.min(this.endMs, this.startHourMs + (low + within) * 3_600_000);
  }
}
