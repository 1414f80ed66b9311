import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IntakeLog, readIntakeSegment, type IntakeEntry } from './intake-log.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function logDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-intake-'));
  directories.push(directory);
  return join(directory, 'store.duckdb.intake');
}

function entry(index: number): IntakeEntry {
  return { nowMs: 1_773_000_000_000 + index, source: `http:client-${index}`, format: index % 2 === 0 ? 'ndjson' : 'json', maxItems: 10_000, bytes: Buffer.from(`{"id":"call-${index}"}\n{"id":"other-${index}"}\n`) };
}

/** A new log with one segment of `count` entries, written and closed. */
async function segmentOf(count: number) {
  const { log } = await IntakeLog.open(logDirectory());
  const segment = log.beginSegment();
  for (let index = 0; index < count; index += 1) await segment.append(entry(index));
  await segment.close();
  return { log, segment };
}

const withoutBytes = ({ bytes, ...rest }: IntakeEntry) => ({ ...rest, text: Buffer.from(bytes).toString('utf8') });

describe('the intake log', () => {
  it('gives back every appended body, with its time, source and format, in the order appended', async () => {
    const directory = logDirectory();
    const { log, recovered } = await IntakeLog.open(directory);
    expect(recovered).toEqual([]);
    const segment = log.beginSegment();
    // Appended together: they are written and synced as one group, still in order.
    await Promise.all(Array.from({ length: 25 }, (_, index) => segment.append(entry(index))));
    await segment.close();
    const read = await readIntakeSegment(segment.path);
    expect(read.tornBytes).toBe(0);
    expect(read.entries.map(withoutBytes)).toEqual(Array.from({ length: 25 }, (_, index) => withoutBytes(entry(index))));
  });

  it('finds the segments a stopped server left, oldest first, and numbers new ones after them', async () => {
    const directory = logDirectory();
    const first = await IntakeLog.open(directory);
    const older = first.log.beginSegment();
    const newer = first.log.beginSegment();
    await newer.append(entry(2));
    await older.append(entry(1));
    await Promise.all([older.close(), newer.close()]);

    const again = await IntakeLog.open(directory);
    expect(again.recovered.map((segment) => segment.path)).toEqual([older.path, newer.path]);
    expect(again.recovered.map((segment) => segment.entries.map((read) => read.source))).toEqual([['http:client-1'], ['http:client-2']]);
    const next = again.log.beginSegment();
    expect(next.path > newer.path).toBe(true);
  });

  it('drops a last frame cut short, keeping every whole frame before it, and says how many bytes it dropped', async () => {
    const { log, segment } = await segmentOf(3);
    const whole = readFileSync(segment.path).length;
    truncateSync(segment.path, whole - 5);
    const read = await readIntakeSegment(segment.path);
    expect(read.entries.map((kept) => kept.source)).toEqual(['http:client-0', 'http:client-1']);
    const firstTwo = log.beginSegment();
    for (let index = 0; index < 2; index += 1) await firstTwo.append(entry(index));
    await firstTwo.close();
    expect(read.tornBytes).toBe(whole - 5 - readFileSync(firstTwo.path).length);
  });

  it('stops at a frame whose bytes do not match its checksum', async () => {
    const { segment } = await segmentOf(3);
    const bytes = readFileSync(segment.path);
    // The last byte of the file is the third body's last byte.
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
    writeFileSync(segment.path, bytes);
    const read = await readIntakeSegment(segment.path);
    expect(read.entries.map((kept) => kept.source)).toEqual(['http:client-0', 'http:client-1']);
  });

  it('removes a loaded segment and sets aside one that could not be loaded', async () => {
    const directory = logDirectory();
    const { log } = await IntakeLog.open(directory);
    const loaded = log.beginSegment();
    const failed = log.beginSegment();
    await loaded.append(entry(1));
    await failed.append(entry(2));
    await Promise.all([loaded.close(), failed.close()]);
    await IntakeLog.remove(loaded.path);
    const aside = await IntakeLog.setAside(failed.path);
    expect(readdirSync(directory)).toEqual([aside.slice(directory.length + 1)]);
    expect((await IntakeLog.open(directory)).recovered).toEqual([]);
  });
});
