import { describe, expect, it } from 'vitest';
import { gatewayEvent, storedGatewayRows, tempGatewayDb, writerCatalog, writerNow } from '../../testing/gateway-writer-fixtures.js';
import { startAdaptiveStoreDelivery } from './adaptive-store-delivery.js';

const storedIds = async (db: string): Promise<string[]> => (await storedGatewayRows(db)).map((row) => row.id);
const catalog = writerCatalog;
const now = writerNow;

describe('the gateway store writer’s priority, adapted to a saturated machine', () => {
  it('moves to normal priority after a starved delivery, says why, and comes back to idle after the set time, storing every event once', async () => {
    const db = tempGatewayDb();
    const problems: string[] = [];
    // A clock the test moves: each reading is deliveryTakes later than the one before, so the first delivery "takes" 5 s
    // and the others none; normal priority lasts 60 s.
    let time = 0;
    let deliveryTakes = 5_000;
    const writer = await startAdaptiveStoreDelivery(db, catalog, {
      now,
      onProblem: (message) => problems.push(message),
      clock: () => {
        const at = time;
        time += deliveryTakes;
        return at;
      },
      normalForMs: 60_000,
    });
    try {
      expect(writer.writer()?.scheduled).not.toBe('normal');
      const idlePid = writer.writer()!.pid;
      expect(await writer.deliver([gatewayEvent('gw_1'), gatewayEvent('gw_2')])).toEqual({ delivered: true });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/took 5000 ms to commit 2 events at idle priority: the machine's cores are never idle; it now writes at normal priority for 60 s/);

      deliveryTakes = 0;
      expect(await writer.deliver([gatewayEvent('gw_3')])).toEqual({ delivered: true });
      const normal = writer.writer()!;
      expect(normal.scheduled).toBe('normal');
      expect(normal.pid).not.toBe(idlePid);

      // A minute later by the clock, the writer goes back to idle after its delivery.
      time += 60_000;
      expect(await writer.deliver([gatewayEvent('gw_4')])).toEqual({ delivered: true });
      expect(await writer.deliver([gatewayEvent('gw_5')])).toEqual({ delivered: true });
      expect(writer.writer()!.scheduled).not.toBe('normal');
      expect(writer.writer()!.pid).not.toBe(normal.pid);
      expect(problems).toHaveLength(1);
    } finally {
      await writer.close();
    }
    expect(await storedIds(db)).toEqual(['gw_1', 'gw_2', 'gw_3', 'gw_4', 'gw_5']);
  });

  it('keeps its idle writer while deliveries are quick', async () => {
    const db = tempGatewayDb();
    const problems: string[] = [];
    const writer = await startAdaptiveStoreDelivery(db, catalog, { now, onProblem: (message) => problems.push(message) });
    try {
      const pid = writer.writer()!.pid;
      for (let batch = 0; batch < 3; batch += 1) await writer.deliver([gatewayEvent(`gw_${batch}`)]);
      expect(writer.writer()!.pid).toBe(pid);
      expect(problems).toEqual([]);
    } finally {
      await writer.close();
    }
    expect(await storedIds(db)).toHaveLength(3);
  });
});
