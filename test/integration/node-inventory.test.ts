// A node's inventory (SPEC N10): resources removed from the form a moment after the first apply are still deleted or released.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../harness/eventually.js';
import { create, mergePatch, openWorld, type World } from './forms-world.js';
import { configMapEntry as cm, formOf, scenarioHub } from './node-scenarios.js';
import { getConfigMap, nodeOf, statusWhen } from './node-world.js';

describe('node inventory', () => {
  let world: World;
  before(async () => {
    world = await openWorld('node-inventory');
  });
  after(async () => {
    await world.close();
  });

  it('N10 a form that loses resources within moments of the first apply still deletes the Delete one and releases the Retain one', async () => {
    await scenarioHub(world, 'quick');
    await create(
      world,
      'lynqforms',
      formOf(world, 'quick', 'quick', {
        configMaps: [cm('stay'), cm('drop'), cm('kept', { deletionPolicy: 'Retain' })],
      }),
    );
    await world.db.connection.query(
      "INSERT INTO `quick` (id, active, plan) VALUES ('q0', 1, 'pro')",
    );
    // Watch closely for the first apply, then change the form at once: long before the node's
    // status (written at a gathered pace) records what the first pass applied.
    const deadline = Date.now() + 60_000;
    while ((await getConfigMap(world, 'q0-kept')) === undefined) {
      assert.ok(Date.now() < deadline, 'the first apply happened');
      await sleep(20);
    }
    await mergePatch(world, 'lynqforms', 'quick', {
      spec: { configMaps: [cm('stay')] },
    });

    const node = await nodeOf(world, 'quick', 'q0');
    const status = await statusWhen(
      world,
      node.metadata.name,
      'node Ready with only the remaining resource',
      (s) =>
        s.phase === 'Ready' &&
        (s.resources ?? []).length === 1 &&
        (s.appliedResources ?? []).map((r) => r.id).join() === 'stay',
      120_000,
    );
    assert.equal(status.appliedResources?.length, 1);
    await eventually('the Delete resource deleted', async () =>
      (await getConfigMap(world, 'q0-drop')) === undefined ? true : undefined,
    );
    const released = await eventually('the Retain resource released', async () => {
      const live = await getConfigMap(world, 'q0-kept');
      return live?.metadata.labels?.['lynq.sh/orphaned'] === 'true' ? live : undefined;
    });
    assert.equal(released.metadata.labels?.['lynq.sh/node'], undefined);
    assert.equal(released.metadata.annotations?.['lynq.sh/orphaned-reason'], 'RemovedFromTemplate');
  });
});
