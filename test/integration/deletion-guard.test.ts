// The hub's deletion guard on the real API server, on MariaDB and PostgreSQL alike (SPEC H9): mass deletions are held, a token releases exactly the held set once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { databaseKinds } from '../harness/matrix-database.js';
import {
  activeRows,
  conditionOf,
  createHubAndForm,
  createRowsTable,
  getHub,
  inHubWorld,
  insertRows,
  listNodes,
  mergePatch,
  nodeCount,
  type HubOptions,
  type HubWorld,
} from './hub-world.js';

const tokenOf = (message: string): string | undefined => /\(token ([0-9a-f]+)\)/.exec(message)?.[1];

/** Waits until the hub shows DeletionGuarded=True for `count` nodes (and a token other than `not`). */
const guarded = async (world: HubWorld, hub: string, count: number, not?: string) =>
  eventually(`${hub} guards ${String(count)} deletions`, async () => {
    const c = conditionOf(await getHub(world, hub), 'DeletionGuarded');
    if (c?.status !== 'True' || !c.message.includes(`would delete ${String(count)} of`)) return;
    const token = tokenOf(c.message);
    return token !== undefined && token !== not ? { condition: c, token } : undefined;
  });

const liveNodes = async (world: HubWorld, form: string) =>
  (await listNodes(world, form)).filter((n) => n.metadata.deletionTimestamp === undefined);

const allow = (world: HubWorld, hub: string, token: string | null) =>
  mergePatch(world, 'lynqhubs', hub, {
    metadata: { annotations: { 'lynq.sh/allow-deletions': token } },
  });

/** `DELETE FROM tenants WHERE id IN ('<prefix>from', …, '<prefix>{to-1}')`. */
const deleteRows = (world: HubWorld, from: number, to: number, prefix = 'r') =>
  world.db.exec(
    `DELETE FROM tenants WHERE id IN (${Array.from({ length: to - from }, () => '?').join(', ')})`,
    Array.from({ length: to - from }, (_, i) => `${prefix}${String(from + i)}`),
  );

/** A world with table `tenants` holding `rows` active rows, hub `hub` and form `web` with one node per row. */
const guardedWorld = async (world: HubWorld, rows: number, options: HubOptions = {}) => {
  await createRowsTable(world, 'tenants');
  await insertRows(world, 'tenants', activeRows(rows));
  await createHubAndForm(world, 'hub', 'tenants', 'web', options);
  await nodeCount(world, rows, 'web');
};

for (const kind of databaseKinds) {
  describe(`deletion guard on ${kind}`, () => {
    it(`H9 [${kind}] 20 nodes, then DELETE FROM: guarded, 0 deletions, a token; the token releases exactly those and is removed`, () =>
      inHubWorld(kind, 'guard-all', async (world) => {
        await guardedWorld(world, 20);
        await world.db.exec('DELETE FROM tenants');
        const { condition, token } = await guarded(world, 'hub', 20);
        assert.equal(condition.reason, 'DeletionGuarded');
        assert.match(condition.message, /limit of 10/);
        assert.equal((await liveNodes(world, 'web')).length, 20, 'nothing deleted');

        await allow(world, 'hub', token);
        await nodeCount(world, 0, 'web');
        await eventually(
          'annotation removed',
          async () =>
            (await getHub(world, 'hub')).metadata.annotations?.['lynq.sh/allow-deletions'] ===
            undefined,
        );
        await eventually(
          'DeletionGuarded=False',
          async () =>
            conditionOf(await getHub(world, 'hub'), 'DeletionGuarded')?.status === 'False',
        );
      }));

    it(`H9 [${kind}] when the set changes after the token was shown, the old token releases nothing and a new one appears`, () =>
      inHubWorld(kind, 'guard-stale', async (world) => {
        await guardedWorld(world, 20);
        await deleteRows(world, 0, 12);
        const { token: first } = await guarded(world, 'hub', 12);
        await deleteRows(world, 12, 13);
        const { token: second } = await guarded(world, 'hub', 13, first);
        assert.notEqual(second, first);

        await allow(world, 'hub', first);
        // A new row's node proves a sync ran after the stale token was set.
        await insertRows(world, 'tenants', activeRows(1, 'late'));
        await nodeCount(world, 21, 'web');
        assert.equal((await liveNodes(world, 'web')).length, 21, 'the old token released nothing');
        const hub = await getHub(world, 'hub');
        assert.equal(hub.metadata.annotations?.['lynq.sh/allow-deletions'], first);
        assert.equal(tokenOf(conditionOf(hub, 'DeletionGuarded')?.message ?? ''), second);

        await allow(world, 'hub', second);
        await nodeCount(world, 8, 'web');
      }));

    it(`H9 [${kind}] 10 of 20 rows deleted is not guarded; 11 of 20 is`, () =>
      inHubWorld(kind, 'guard-limit', async (world) => {
        await guardedWorld(world, 20);
        await deleteRows(world, 0, 10);
        await nodeCount(world, 10, 'web');
        assert.notEqual(conditionOf(await getHub(world, 'hub'), 'DeletionGuarded')?.status, 'True');

        await insertRows(world, 'tenants', activeRows(10));
        await nodeCount(world, 20, 'web');
        await deleteRows(world, 0, 11);
        await guarded(world, 'hub', 11);
        assert.equal((await liveNodes(world, 'web')).length, 20);
      }));

    it(`H9 [${kind}] maxDeletions: 2 as an absolute number`, () =>
      inHubWorld(kind, 'guard-absolute', async (world) => {
        await guardedWorld(world, 20, { maxDeletions: 2 });
        await deleteRows(world, 0, 2);
        await nodeCount(world, 18, 'web');
        await deleteRows(world, 2, 5);
        const { condition } = await guarded(world, 'hub', 3);
        assert.match(condition.message, /limit of 2/);
        assert.equal((await liveNodes(world, 'web')).length, 18);
      }));

    it(`H9 [${kind}] a hub with 10 nodes is never guarded`, () =>
      inHubWorld(kind, 'guard-small', async (world) => {
        await guardedWorld(world, 10, { maxDeletions: 0 });
        await world.db.exec('DELETE FROM tenants');
        await nodeCount(world, 0, 'web');
        assert.notEqual(conditionOf(await getHub(world, 'hub'), 'DeletionGuarded')?.status, 'True');
      }));
  });
}
