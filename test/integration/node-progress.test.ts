// Node phases that are progress, not failure, and the events status names as their causes (SPEC N9, N10, O2), on the real API server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { create, hubBody, insertRows, listNodes, openWorld, type World } from './forms-world.js';
import { configMapEntry as configMap, formOf } from './node-scenarios.js';
import { configMapPath, nodeStatus, type NodeStatusView } from './node-world.js';

const hold = 'example.com/hold';

const condition = (status: NodeStatusView | undefined, type: string) =>
  status?.conditions?.find((c) => c.type === type);

describe('node progress: waiting on a foreign finalizer, triggers in status', () => {
  let world: World;
  before(async () => {
    world = await openWorld('node-progress');
    await insertRows(world, 1, 'p');
    await create(world, 'lynqhubs', await hubBody(world, 'hub'));
    await create(
      world,
      'lynqforms',
      formOf(world, 'web', 'hub', { configMaps: [configMap('main'), configMap('extra')] }),
    );
  });
  after(async () => {
    await world.close();
  });

  it('O2 N9 N10 Ready names apply.done as its cause; a removed resource held by a foreign finalizer keeps the node Applying with Progressing=True naming the finalizer (never Degraded), and it becomes Ready once the finalizer goes', async () => {
    const node = await eventually('node with a revision', async () =>
      (await listNodes(world, 'web')).find((n) => n.spec.revision !== undefined),
    );
    const name = node.metadata.name;
    const ready = await eventually('node Ready', async () => {
      const s = await nodeStatus(world, name);
      return s?.phase === 'Ready' ? s : undefined;
    });
    assert.equal(ready.phaseReason, 'apply.done');
    const last = ready.transitions?.at(-1);
    assert.equal(
      `${last?.from ?? ''}→${last?.to ?? ''} ${last?.event ?? ''}`,
      'Applying→Ready apply.done',
    );
    for (const t of ready.transitions ?? []) {
      assert.notEqual(t.event, t.to, `a transition caused by its own phase name: ${t.to}`);
    }

    // Someone else's finalizer on the object that is about to leave the form.
    const extra = configMapPath(world.ns, 'p0-extra');
    const added = await world.request({
      method: 'PATCH',
      path: extra,
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: [hold] } },
    });
    assert.equal(added.status, 200, added.text);
    try {
      const removed = await world.request({
        method: 'PATCH',
        path: lynqPath('lynqforms', world.ns, 'web'),
        contentType: 'application/merge-patch+json',
        body: { spec: { configMaps: [configMap('main')] } },
      });
      assert.equal(removed.status, 200, removed.text);
      const waiting = await eventually('node waiting on the finalizer', async () => {
        const s = await nodeStatus(world, name);
        return s?.resources?.some((r) => r.id === 'extra' && r.state === 'Deleting') === true
          ? s
          : undefined;
      });
      assert.equal(waiting.phase, 'Applying');
      const progressing = condition(waiting, 'Progressing');
      assert.equal(progressing?.status, 'True');
      assert.equal(progressing.reason, 'WaitingOnFinalizer');
      assert.match(progressing.message, /waiting on finalizer example\.com\/hold/);
      assert.equal(condition(waiting, 'Degraded')?.status, 'False');
      const resource = waiting.resources?.find((r) => r.id === 'extra');
      assert.equal(resource?.reason, 'WaitingOnFinalizer');
    } finally {
      // Let the object go, whatever happened above, so the namespace can be deleted.
      await world.request({
        method: 'PATCH',
        path: extra,
        contentType: 'application/merge-patch+json',
        body: { metadata: { finalizers: null } },
      });
    }
    const after = await eventually('node Ready without extra', async () => {
      const s = await nodeStatus(world, name);
      return s?.phase === 'Ready' && !(s.appliedResources ?? []).some((r) => r.id === 'extra')
        ? s
        : undefined;
    });
    assert.equal(condition(after, 'Degraded')?.status, 'False');
    assert.equal(after.phaseReason, 'apply.done');
    assert.ok(
      !(after.transitions ?? []).some((t) => t.to === 'Degraded'),
      'never Degraded while waiting',
    );
  });
});
