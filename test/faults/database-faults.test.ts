// Database faults under a running hub (lost password, dropped table, locked table, TRUNCATE): nothing is deleted, and the hub recovers once the fault is gone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { recordFigures } from './fault-figures.js';
import {
  millisUntil,
  openFaultWorld,
  operatorDeletionsSince,
  type FaultWorld,
} from './fault-world.js';
import { getHub, hubCondition, type HubStatusView } from './hub-view.js';
import { converged, faultSummary, takeInventory } from './inventory.js';

/** More than 10 nodes, so the deletion guard applies (H9). */
const rows = 20;

/** How long each fault stays: several 1 s syncs run into it. */
const holdMillis = 6_000;

interface Fault {
  readonly scenario: string;
  readonly spec: readonly string[];
  /** Makes the fault. */
  inject(world: FaultWorld): Promise<void>;
  /** How the hub shows it; undefined when it shows nothing (a blocked read just waits). */
  readonly shown?: (hub: HubStatusView) => boolean;
  /** Removes the fault; row `r<rows>` is active in the table afterwards (added during the fault). */
  remove(world: FaultWorld): Promise<void>;
}

const reachable = (hub: HubStatusView): boolean =>
  hubCondition(hub, 'DatasourceReachable')?.status === 'True' &&
  hubCondition(hub, 'RowsRead')?.status === 'True' &&
  hubCondition(hub, 'DeletionGuarded')?.status !== 'True';

/** Drops the hub user's open connections: a pooled connection made before the change would outlive it. */
const dropConnectionsOf = async (world: FaultWorld): Promise<void> => {
  const [list] = await world.db.connection.query(
    'SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?',
    [world.hubUser.name],
  );
  for (const { ID } of list as { ID: number }[]) {
    await world.db.connection.query('KILL CONNECTION ?', [ID]).catch((err: unknown) => {
      // A connection that closed between the SELECT and the KILL is what we wanted anyway.
      if (!(err instanceof Error && err.message.includes('Unknown thread'))) throw err;
    });
  }
};

const insertExtraRow = async (world: FaultWorld): Promise<void> => {
  await world.db.connection.query("INSERT INTO `rows` (id, active, plan) VALUES (?, 1, 'pro')", [
    `r${String(rows)}`,
  ]);
};

/** Runs one fault: converge, inject, watch it held, remove, measure the recovery. */
const runFault = async (fault: Fault): Promise<void> => {
  const world = await openFaultWorld(`fault-db-${fault.scenario}`);
  try {
    await world.insertRows(rows);
    await converged(world, 120_000);

    const injected = Date.now();
    await fault.inject(world);
    const shown = fault.shown;
    const detectMillis =
      shown === undefined
        ? undefined
        : await millisUntil(
            `the hub shows the fault`,
            async () => shown(await getHub(world)),
            60_000,
            injected,
          );
    await sleep(holdMillis);
    const before = new Set(Array.from({ length: rows }, (_, i) => `r${String(i)}`));
    const during = await takeInventory(world, before);
    const duringHub = await getHub(world);

    const removed = Date.now();
    await fault.remove(world);
    const recoveredMillis = await millisUntil(
      'the hub reads again',
      async () => reachable(await getHub(world)),
      60_000,
      removed,
    );
    const { inventory, millis: rowMillis } = await converged(world, 60_000, removed);
    const deletions = await operatorDeletionsSince(world, injected);

    const condition = (type: string) => {
      const c = hubCondition(duringHub, type);
      return c === undefined ? 'absent' : `${c.status} ${c.reason}`;
    };
    recordFigures({
      scenario: `database: ${fault.scenario}`,
      spec: [...fault.spec],
      figures: {
        rows,
        ...(detectMillis === undefined
          ? {}
          : { 'fault → shown on the hub (s)': detectMillis / 1000 }),
        'fault held (s)': (removed - injected) / 1000,
        'DatasourceReachable during the fault': condition('DatasourceReachable'),
        'RowsRead during the fault': condition('RowsRead'),
        'DeletionGuarded during the fault': condition('DeletionGuarded'),
        'nodes during the fault': during.nodes,
        'objects during the fault': during.objects,
        'node or object deletions by the operator': deletions.length,
        'fault removed → hub reachable (s)': recoveredMillis / 1000,
        'fault removed → row added during the fault converged (s)': rowMillis / 1000,
        'lost / duplicated / orphaned / stuck': faultSummary(inventory),
      },
    });
    assert.equal(deletions.length, 0, 'no node or object deleted');
    assert.equal(during.nodes, rows, 'every node kept during the fault');
    assert.equal(during.objects, rows * 2, 'every object kept during the fault');
    assert.equal(during.stuckNodes + during.stuckObjects, 0, 'nothing marked for deletion');
    assert.equal(inventory.nodes, rows + 1, 'the row added during the fault has its node');
  } finally {
    await world.close();
  }
};

describe('faults: database', () => {
  it('H7 the hub user loses its password: 0 deletions, DatasourceReachable=False, recovers when it is back', async () => {
    await runFault({
      scenario: 'password changed',
      spec: ['H7'],
      inject: async (world) => {
        await world.db.connection.query(`ALTER USER ?@'%' IDENTIFIED BY 'not-the-secret'`, [
          world.hubUser.name,
        ]);
        await dropConnectionsOf(world);
      },
      shown: (hub) => hubCondition(hub, 'DatasourceReachable')?.status === 'False',
      remove: async (world) => {
        await insertExtraRow(world);
        await world.db.connection.query(`ALTER USER ?@'%' IDENTIFIED BY ?`, [
          world.hubUser.name,
          world.hubUser.password,
        ]);
      },
    });
  });

  it('H7 the table is dropped: 0 deletions, RowsRead=False (DatasourceReachable stays True), recovers when it is back', async () => {
    await runFault({
      scenario: 'table dropped',
      spec: ['H7'],
      inject: async (world) => {
        await world.db.connection.query('DROP TABLE `rows`');
      },
      shown: (hub) =>
        hubCondition(hub, 'RowsRead')?.reason === 'DatasourceTableMissing' &&
        hubCondition(hub, 'DatasourceReachable')?.status === 'True',
      remove: async (world) => {
        await world.db.connection.query(
          'CREATE TABLE `rows` (id VARCHAR(64) PRIMARY KEY, active TINYINT(1), plan VARCHAR(64))',
        );
        await world.insertRows(rows + 1);
      },
    });
  });

  it('H7 the table is write-locked by another session for 6 s: 0 deletions, the hub reads again after UNLOCK', async () => {
    let locker: Awaited<ReturnType<typeof createConnection>> | undefined;
    try {
      await runFault({
        scenario: 'table locked',
        spec: ['H7'],
        inject: async (world) => {
          locker = await createConnection({ uri: world.db.url, connectTimeout: 5_000 });
          await locker.query('LOCK TABLES `rows` WRITE');
          // Only the session holding the lock can write the table now.
          await locker.query("INSERT INTO `rows` (id, active, plan) VALUES (?, 1, 'pro')", [
            `r${String(rows)}`,
          ]);
        },
        remove: async () => {
          await locker?.query('UNLOCK TABLES');
        },
      });
    } finally {
      await locker?.end();
    }
  });

  it('H7 H9 TRUNCATE of the table: the deletion guard holds every node, recovers when the rows are back', async () => {
    await runFault({
      scenario: 'TRUNCATE',
      spec: ['H7', 'H9'],
      inject: async (world) => {
        await world.db.connection.query('TRUNCATE TABLE `rows`');
      },
      shown: (hub) => hubCondition(hub, 'DeletionGuarded')?.status === 'True',
      remove: async (world) => {
        await world.insertRows(rows + 1);
      },
    });
  });
});
