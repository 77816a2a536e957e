// The hub's deletion guard on the real API server and MariaDB (SPEC H9): mass deletions are held, a token releases exactly the held set once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import {
  conditionOf,
  create,
  formBody,
  getHub,
  hubBody,
  insertRows,
  listNodes,
  mergePatch,
  openWorld,
  type World,
} from './forms-world.js';

const tokenOf = (message: string): string | undefined => /\(token ([0-9a-f]+)\)/.exec(message)?.[1];

/** Waits until the hub shows DeletionGuarded=True for `count` nodes (and a token other than `not`). */
const guarded = async (world: World, hub: string, count: number, not?: string) =>
  eventually(`${hub} guards ${String(count)} deletions`, async () => {
    const c = conditionOf(await getHub(world, hub), 'DeletionGuarded');
    if (c?.status !== 'True' || !c.message.includes(`would delete ${String(count)} of`)) return;
    const token = tokenOf(c.message);
    return token !== undefined && token !== not ? { condition: c, token } : undefined;
  });

const liveNodes = async (world: World, form: string) =>
  (await listNodes(world, form)).filter((n) => n.metadata.deletionTimestamp === undefined);

const nodeCount = async (world: World, form: string, n: number) =>
  eventually(`${String(n)} nodes of ${form}`, async () =>
    (await listNodes(world, form)).length === n ? true : undefined,
  );

const allow = (world: World, hub: string, token: string | null) =>
  mergePatch(world, 'lynqhubs', hub, {
    metadata: { annotations: { 'lynq.sh/allow-deletions': token } },
  });

describe('deletion guard', () => {
  let world: World;
  before(async () => {
    world = await openWorld('deletion-guard');
    await create(world, 'lynqhubs', await hubBody(world, 'hub'));
    await create(world, 'lynqforms', formBody(world, 'web', 'hub'));
  });
  after(async () => {
    await world.close();
  });

  it('H9 20 nodes, then DELETE FROM: guarded, 0 deletions, a token; the token releases exactly those and is removed', async () => {
    await insertRows(world, 20);
    await nodeCount(world, 'web', 20);
    await world.db.connection.query('DELETE FROM `rows`');
    const { condition, token } = await guarded(world, 'hub', 20);
    assert.equal(condition.reason, 'DeletionGuarded');
    assert.match(condition.message, /limit of 10/);
    assert.equal((await liveNodes(world, 'web')).length, 20, 'nothing deleted');

    await allow(world, 'hub', token);
    await nodeCount(world, 'web', 0);
    const hub = await eventually('annotation removed', async () => {
      const h = await getHub(world, 'hub');
      return h?.metadata.annotations?.['lynq.sh/allow-deletions'] === undefined ? h : undefined;
    });
    assert.ok(hub);
    await eventually('DeletionGuarded=False', async () => {
      const c = conditionOf(await getHub(world, 'hub'), 'DeletionGuarded');
      return c?.status === 'False';
    });
  });

  it('H9 when the set changes after the token was shown, the old token releases nothing and a new one appears', async () => {
    await insertRows(world, 20);
    await nodeCount(world, 'web', 20);
    await world.db.connection.query(
      "DELETE FROM `rows` WHERE id IN ('r0','r1','r2','r3','r4','r5','r6','r7','r8','r9','r10','r11')",
    );
    const { token: first } = await guarded(world, 'hub', 12);
    await world.db.connection.query("DELETE FROM `rows` WHERE id = 'r12'");
    const { token: second } = await guarded(world, 'hub', 13, first);
    assert.notEqual(second, first);

    await allow(world, 'hub', first);
    // A new row's node proves a sync ran after the stale token was set.
    await insertRows(world, 1, 'late');
    await nodeCount(world, 'web', 21);
    assert.equal((await liveNodes(world, 'web')).length, 21, 'the old token released nothing');
    const hub = await getHub(world, 'hub');
    assert.equal(hub?.metadata.annotations?.['lynq.sh/allow-deletions'], first);
    assert.equal(tokenOf(conditionOf(hub, 'DeletionGuarded')?.message ?? ''), second);

    await allow(world, 'hub', second);
    await nodeCount(world, 'web', 8);
  });

  it('H9 10 of 20 rows deleted is not guarded; 11 of 20 is', async () => {
    await world.db.connection.query('DELETE FROM `rows`');
    await allow(world, 'hub', null);
    // 8 nodes are at most 10: never guarded.
    await nodeCount(world, 'web', 0);
    await insertRows(world, 20);
    await nodeCount(world, 'web', 20);
    await world.db.connection.query(
      "DELETE FROM `rows` WHERE id IN ('r0','r1','r2','r3','r4','r5','r6','r7','r8','r9')",
    );
    await nodeCount(world, 'web', 10);
    assert.notEqual(conditionOf(await getHub(world, 'hub'), 'DeletionGuarded')?.status, 'True');

    await insertRows(world, 10);
    await nodeCount(world, 'web', 20);
    await world.db.connection.query(
      "DELETE FROM `rows` WHERE id IN ('r0','r1','r2','r3','r4','r5','r6','r7','r8','r9','r10')",
    );
    await guarded(world, 'hub', 11);
    assert.equal((await liveNodes(world, 'web')).length, 20);
  });

  it('H9 maxDeletions: 2 as an absolute number', async () => {
    await mergePatch(world, 'lynqhubs', 'hub', { spec: { deletionGuard: { maxDeletions: 2 } } });
    await world.db.connection.query('DELETE FROM `rows`');
    await insertRows(world, 20);
    await nodeCount(world, 'web', 20);
    await world.db.connection.query("DELETE FROM `rows` WHERE id IN ('r0','r1')");
    await nodeCount(world, 'web', 18);
    await world.db.connection.query("DELETE FROM `rows` WHERE id IN ('r2','r3','r4')");
    const { condition } = await guarded(world, 'hub', 3);
    assert.match(condition.message, /limit of 2/);
    assert.equal((await liveNodes(world, 'web')).length, 18);
  });

  it('H9 a hub with 10 nodes is never guarded', async () => {
    await world.db.connection.query(
      'CREATE TABLE small (id VARCHAR(200) PRIMARY KEY, active TINYINT(1), plan VARCHAR(64))',
    );
    const values = Array.from({ length: 10 }, (_, i) => [`s${String(i)}`, 1, 'pro']);
    await world.db.connection.query('INSERT INTO small (id, active, plan) VALUES ?', [values]);
    await create(
      world,
      'lynqhubs',
      await hubBody(world, 'small', { table: 'small', maxDeletions: 0 }),
    );
    await create(world, 'lynqforms', formBody(world, 'smallweb', 'small'));
    await nodeCount(world, 'smallweb', 10);
    await world.db.connection.query('DELETE FROM small');
    await nodeCount(world, 'smallweb', 0);
    assert.notEqual(conditionOf(await getHub(world, 'small'), 'DeletionGuarded')?.status, 'True');
  });
});
