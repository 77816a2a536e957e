// Node actors on the real API server and MariaDB: resources leaving and re-joining the form (release, re-hold, re-create), and node deletion held by a foreign finalizer or skipped.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { auditEvents } from '../harness/test-env.js';
import { create, mergePatch, openWorld, type World } from './forms-world.js';
import { configMapEntry as cm, formOf, scenarioHub } from './node-scenarios.js';
import {
  configMapPath,
  eventsOf,
  getConfigMap,
  isReadyAtGeneration,
  nodeGone,
  nodeOf,
  nodeWhen,
  operatorWrote,
} from './node-world.js';

const hold = 'example.com/hold';

/** Each scenario has a hub of its own name, reading a table of that name. */
const scenarioForm = (world: World, name: string, spec: Record<string, unknown>) =>
  formOf(world, name, name, spec);

const setFinalizers = async (world: World, name: string, finalizers: string[] | null) => {
  const res = await world.request({
    method: 'PATCH',
    path: configMapPath(world.ns, name),
    contentType: 'application/merge-patch+json',
    body: { metadata: { finalizers } },
  });
  assert.equal(res.status, 200, res.text);
};

/** A Retain `base` (with `baseData`) and a `child` that depends on it. */
const baseAndChild = (baseData: Record<string, string> = {}) => ({
  configMaps: [
    cm('base', { deletionPolicy: 'Retain' }, baseData),
    cm('child', { dependIds: ['base'] }),
  ],
});

/** The node once it is being deleted and its `child` waits on a foreign finalizer. */
const waitingOnFinalizer = async (world: World, name: string) =>
  nodeWhen(
    world,
    name,
    'node waiting on the foreign finalizer',
    (n, s) =>
      n.metadata.deletionTimestamp !== undefined &&
      s.resources?.find((r) => r.id === 'child')?.reason === 'WaitingOnFinalizer',
  );

const orphanKeys = ['lynq.sh/orphaned-at', 'lynq.sh/orphaned-reason', 'lynq.sh/orphaned-from'];

describe('node actor: resources leaving and re-joining the form, deletion with cleanup held or skipped', () => {
  let world: World;
  before(async () => {
    world = await openWorld('node-removal');
  });
  after(async () => {
    await world.close();
  });

  it('N10 N13 a Retain resource removed from the form is released with its data, a Delete one deleted; re-added unchanged, the first is held again and the second created again', async () => {
    await scenarioHub(world, 'back', 'b0');
    const resources = {
      configMaps: [
        cm('anchor'),
        cm('keep', { deletionPolicy: 'Retain' }, { precious: 'yes' }),
        cm('gone', { deletionPolicy: 'Delete' }),
      ],
    };
    await create(world, 'lynqforms', scenarioForm(world, 'back', resources));
    const { metadata } = await nodeOf(world, 'back', 'b0');
    await nodeWhen(world, metadata.name, 'node Ready', isReadyAtGeneration);
    const first = await getConfigMap(world, 'b0-keep');
    assert.equal(first?.metadata.labels?.['lynq.sh/node'], metadata.name);
    assert.ok(await getConfigMap(world, 'b0-gone'));

    // Both leave the form.
    await mergePatch(world, 'lynqforms', 'back', { spec: { configMaps: [cm('anchor')] } });
    await nodeWhen(
      world,
      metadata.name,
      'node Ready without keep and gone',
      (n, s) =>
        isReadyAtGeneration(n) && (s.appliedResources ?? []).map((r) => r.id).join() === 'anchor',
    );
    const released = await getConfigMap(world, 'b0-keep');
    assert.ok(released, 'the Retain resource stays');
    assert.equal(released.metadata.uid, first.metadata.uid, 'the same object, never re-created');
    assert.deepEqual(released.data, { id: 'keep', precious: 'yes' }, 'its data is intact');
    const labels = released.metadata.labels ?? {};
    const annotations = released.metadata.annotations ?? {};
    assert.equal(labels['lynq.sh/orphaned'], 'true');
    assert.equal(labels['lynq.sh/node'], undefined);
    assert.equal(labels['lynq.sh/node-namespace'], undefined);
    assert.equal(annotations['lynq.sh/orphaned-reason'], 'RemovedFromTemplate');
    assert.ok(
      !Number.isNaN(Date.parse(annotations['lynq.sh/orphaned-at'] ?? '')),
      `orphaned-at is a time: ${annotations['lynq.sh/orphaned-at'] ?? '(none)'}`,
    );
    assert.equal(released.metadata.ownerReferences, undefined, 'no owner reference');
    assert.equal(await getConfigMap(world, 'b0-gone'), undefined, 'the Delete resource is deleted');

    // Both come back, exactly as they were: the same desired objects, the same hashes.
    const since = new Date().toISOString();
    await mergePatch(world, 'lynqforms', 'back', { spec: resources });
    await nodeWhen(
      world,
      metadata.name,
      'node Ready with keep and gone again',
      (n, s) => isReadyAtGeneration(n) && (s.appliedResources ?? []).length === 3,
    );
    const reheld = await getConfigMap(world, 'b0-keep');
    assert.ok(reheld);
    assert.equal(reheld.metadata.uid, first.metadata.uid, 'the released object is held again');
    assert.deepEqual(reheld.data, { id: 'keep', precious: 'yes' });
    assert.equal(reheld.metadata.labels?.['lynq.sh/node'], metadata.name);
    assert.equal(reheld.metadata.labels['lynq.sh/node-namespace'], world.ns);
    assert.equal(reheld.metadata.labels['lynq.sh/orphaned'], undefined, 'orphaned label gone');
    for (const key of orphanKeys) {
      assert.equal(reheld.metadata.annotations?.[key], undefined, `${key} gone`);
    }
    assert.equal(reheld.metadata.ownerReferences, undefined, 'Retain: still no owner reference');
    const recreated = await getConfigMap(world, 'b0-gone');
    assert.ok(recreated, 'the deleted resource is created again');
    assert.equal(recreated.metadata.labels?.['lynq.sh/node'], metadata.name);
    assert.equal(recreated.metadata.ownerReferences?.[0]?.name, metadata.name);
    const creates = await auditEvents(
      (e) =>
        operatorWrote(e) &&
        e.verb === 'create' &&
        e.objectRef?.resource === 'configmaps' &&
        e.objectRef.namespace === world.ns &&
        e.objectRef.name === 'b0-gone' &&
        e.requestReceivedTimestamp >= since,
    );
    assert.equal(creates.length, 1, 'created once more by the node');
  });

  it('N6 N12 N13 an object the node created whose tracking labels were stripped is taken back, not a conflict, also when the form returns to a hash applied before', async () => {
    await scenarioHub(world, 'lost', 'l0');
    const version = (v: string) => ({ configMaps: [cm('data', {}, { v })] });
    await create(world, 'lynqforms', scenarioForm(world, 'lost', version('1')));
    const { metadata } = await nodeOf(world, 'lost', 'l0');
    await nodeWhen(world, metadata.name, 'node Ready', isReadyAtGeneration);
    const strip = async (): Promise<void> => {
      const res = await world.request({
        method: 'PATCH',
        path: configMapPath(world.ns, 'l0-data'),
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels: { 'lynq.sh/node': null, 'lynq.sh/node-namespace': null } } },
      });
      assert.equal(res.status, 200, res.text);
    };
    const heldWith = async (v: string, what: string): Promise<void> => {
      await nodeWhen(world, metadata.name, what, isReadyAtGeneration);
      await eventually(`${what}: held with v=${v}`, async () => {
        const object = await getConfigMap(world, 'l0-data');
        return object?.metadata.labels?.['lynq.sh/node'] === metadata.name &&
          object.data?.['v'] === v
          ? true
          : undefined;
      });
    };
    // Someone strips the tracking labels: the creation record still names the node.
    await strip();
    await mergePatch(world, 'lynqforms', 'lost', { spec: version('2') });
    await heldWith('2', 'taken back at the new version');
    // Back to the first version, whose hash the node applied before: checked, not assumed.
    await strip();
    await mergePatch(world, 'lynqforms', 'lost', { spec: version('1') });
    await heldWith('1', 'taken back at the reverted version');
  });

  it('N9 a node being deleted whose child carries a foreign finalizer keeps its cleanup finalizer, reports "waiting on finalizer" in status and an event, and goes once the finalizer is removed', async () => {
    await scenarioHub(world, 'held', 'h0');
    await create(world, 'lynqforms', scenarioForm(world, 'held', baseAndChild()));
    const { metadata } = await nodeOf(world, 'held', 'h0');
    await nodeWhen(world, metadata.name, 'node Ready', isReadyAtGeneration);
    await setFinalizers(world, 'h0-child', [hold]);

    await world.db.connection.query("UPDATE `held` SET active = 0 WHERE id = 'h0'");
    const waiting = await waitingOnFinalizer(world, metadata.name);
    assert.ok(waiting.metadata.finalizers?.includes('lynq.sh/node-cleanup'), 'finalizer kept');
    assert.equal(waiting.status?.phase, 'Deleting');
    const child = waiting.status.resources?.find((r) => r.id === 'child');
    assert.match(child?.message ?? '', /waiting on finalizer example\.com\/hold/);
    const event = await eventually('a waiting event on the node', async () =>
      (await eventsOf(world, metadata.name)).find((e) =>
        /"child": waiting on finalizer example\.com\/hold/.test(e.message),
      ),
    );
    assert.equal(event.type, 'Warning');
    const terminating = await getConfigMap(world, 'h0-child');
    assert.ok(terminating?.metadata.deletionTimestamp, 'the child is being deleted');
    assert.equal(
      (await getConfigMap(world, 'h0-base'))?.metadata.labels?.['lynq.sh/node'],
      metadata.name,
      'its dependency is not released before the child is gone (reverse order)',
    );

    await setFinalizers(world, 'h0-child', null);
    await nodeGone(world, metadata.name, 'node gone', 180_000);
    assert.equal(await getConfigMap(world, 'h0-child'), undefined);
    const base = await getConfigMap(world, 'h0-base');
    assert.equal(base?.metadata.annotations?.['lynq.sh/orphaned-reason'], 'LynqNodeDeleted');
  });

  it('N9 lynq.sh/skip-cleanup: "true" on a node being deleted drops its finalizer at once and leaves its children as they are', async () => {
    await scenarioHub(world, 'skip', 's0');
    await create(
      world,
      'lynqforms',
      scenarioForm(world, 'skip', baseAndChild({ precious: 'yes' })),
    );
    const { metadata } = await nodeOf(world, 'skip', 's0');
    await nodeWhen(world, metadata.name, 'node Ready', isReadyAtGeneration);
    await setFinalizers(world, 's0-child', [hold]);
    try {
      await world.db.connection.query("UPDATE `skip` SET active = 0 WHERE id = 's0'");
      await waitingOnFinalizer(world, metadata.name);
      const baseBefore = await getConfigMap(world, 's0-base');
      const since = new Date().toISOString();
      await mergePatch(world, 'lynqnodes', metadata.name, {
        metadata: { annotations: { 'lynq.sh/skip-cleanup': 'true' } },
      });
      await nodeGone(world, metadata.name, 'node gone', 120_000);

      const base = await getConfigMap(world, 's0-base');
      assert.ok(base, 'the Retain child stays');
      assert.equal(base.metadata.uid, baseBefore?.metadata.uid);
      assert.deepEqual(base.data, { id: 'base', precious: 'yes' });
      assert.equal(base.metadata.labels?.['lynq.sh/node'], metadata.name, 'not released');
      assert.equal(base.metadata.labels['lynq.sh/orphaned'], undefined);
      for (const key of orphanKeys) assert.equal(base.metadata.annotations?.[key], undefined);
      const child = await getConfigMap(world, 's0-child');
      assert.deepEqual(child?.metadata.finalizers, [hold], 'the foreign finalizer is left alone');
      const writes = await auditEvents(
        (e) =>
          e.user.username === 'lynq-operator' &&
          !['get', 'list', 'watch'].includes(e.verb) &&
          e.objectRef?.resource === 'configmaps' &&
          e.objectRef.namespace === world.ns &&
          (e.objectRef.name ?? '').startsWith('s0-') &&
          e.requestReceivedTimestamp >= since,
      );
      assert.deepEqual(
        writes.map((e) => `${e.verb} ${e.objectRef?.name ?? ''}`),
        [],
        'no write to the children after skip-cleanup',
      );
    } finally {
      await setFinalizers(world, 's0-child', null);
    }
  });
});
