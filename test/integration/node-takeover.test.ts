// Never take what Lynq did not create (SPEC N6, N16): pre-existing objects under Force, the creation record, adopted objects released, a created Namespace kept once others use it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { create, openWorld, type World } from './forms-world.js';
import { configMapEntry as cm, formOf, scenarioHub, stopOperator } from './node-scenarios.js';
import {
  configMapPath,
  eventsOf,
  getConfigMap,
  getObject,
  nodeGone,
  nodeOf,
  resourceOf,
  statusWhen,
  type ObjectView,
} from './node-world.js';

const createdBy = 'lynq.sh/created-by';
const weakened = { 'pod-security.kubernetes.io/enforce': 'privileged' };

const namespacePath = (name: string): string => `/api/v1/namespaces/${name}`;

/** A Namespace created by the admin, as a team would have it, with a ConfigMap `precious` in it. */
const victimNamespace = async (world: World, name: string): Promise<void> => {
  const ns = await world.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team: 'victim' } } },
  });
  assert.equal(ns.status, 201, ns.text);
  const cfg = await world.request({
    method: 'POST',
    path: configMapPath(name),
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'precious' }, data: { a: '1' } },
  });
  assert.equal(cfg.status, 201, cfg.text);
};

/** A Namespace entry named after the row (`{{ uid }}-<world namespace>`, as N16 allows). */
const namespaceEntry = (world: World, extra: Record<string, unknown> = {}) => ({
  id: 'space',
  nameTemplate: `{{ uid }}-${world.ns}`,
  labelsTemplate: weakened,
  ...extra,
  spec: { apiVersion: 'v1', kind: 'Namespace' },
});

const deleteForm = async (world: World, name: string): Promise<void> => {
  const res = await world.request({
    method: 'DELETE',
    path: lynqPath('lynqforms', world.ns, name),
  });
  assert.equal(res.status, 200, res.text);
};

/** The object exists and is not being deleted. */
const alive = async (world: World, path: string, what: string): Promise<ObjectView> => {
  const live = await getObject(world, path);
  assert.ok(live, `${what} exists`);
  assert.equal(live.metadata.deletionTimestamp, undefined, `${what} is not being deleted`);
  return live;
};

const removeNamespace = async (world: World, name: string): Promise<void> => {
  await world.request({ method: 'DELETE', path: namespacePath(name) });
};

describe('N6 takeover safety with the default operator', () => {
  let world: World;
  before(async () => {
    world = await openWorld('node-takeover');
  });
  after(async () => {
    await world.close();
  });

  it('N6 N16 the trial: Force cannot take over a pre-existing Namespace, nothing changes, and deleting the form deletes nothing; kube-system is never a target', async () => {
    const victim = `v0-${world.ns}`;
    await victimNamespace(world, victim);
    try {
      await scenarioHub(world, 'grab', 'v0');
      await create(
        world,
        'lynqforms',
        formOf(world, 'grab', 'grab', {
          namespaces: [
            namespaceEntry(world, { conflictPolicy: 'Force' }),
            {
              id: 'system',
              nameTemplate: 'kube-system',
              conflictPolicy: 'Force',
              labelsTemplate: weakened,
              spec: { apiVersion: 'v1', kind: 'Namespace' },
            },
          ],
        }),
      );
      const node = await nodeOf(world, 'grab', 'v0');
      const status = await statusWhen(
        world,
        node.metadata.name,
        'the takeover refused',
        (s) =>
          resourceOf(s, 'space')?.reason === 'ResourceConflict' &&
          resourceOf(s, 'system')?.reason === 'TargetNotAllowed',
      );
      assert.match(resourceOf(status, 'space')?.message ?? '', /created outside Lynq/);
      assert.match(resourceOf(status, 'space')?.message ?? '', /--allow-cluster-scoped-takeover/);
      assert.match(resourceOf(status, 'system')?.message ?? '', /reserved for Kubernetes/);
      assert.equal(status.phase, 'Degraded');

      const untouched = await alive(world, namespacePath(victim), 'the victim namespace');
      assert.deepEqual(untouched.metadata.labels?.['lynq.sh/node'], undefined);
      assert.equal(untouched.metadata.labels?.['pod-security.kubernetes.io/enforce'], undefined);
      assert.equal(untouched.metadata.annotations?.[createdBy], undefined);
      const system = await alive(world, namespacePath('kube-system'), 'kube-system');
      assert.equal(system.metadata.labels?.['lynq.sh/node'], undefined);

      await deleteForm(world, 'grab');
      await nodeGone(world, node.metadata.name, 'the node gone with its form', 120_000);
      await alive(world, namespacePath(victim), 'the victim namespace after the form went');
      await alive(world, configMapPath(victim, 'precious'), 'the ConfigMap precious');
    } finally {
      await removeNamespace(world, victim);
    }
  });

  it('N6 a Namespace a node created is released, not deleted, once it holds objects the node did not apply; its creation record cannot be forged or altered', async () => {
    const space = `c0-${world.ns}`;
    try {
      await scenarioHub(world, 'made', 'c0');
      await create(
        world,
        'lynqforms',
        formOf(world, 'made', 'made', { namespaces: [namespaceEntry(world)] }),
      );
      const node = await nodeOf(world, 'made', 'c0');
      await statusWhen(world, node.metadata.name, 'made Ready', (s) => s.phase === 'Ready');
      const made = await alive(world, namespacePath(space), 'the created namespace');
      assert.equal(made.metadata.annotations?.[createdBy], `${world.ns}/${node.metadata.name}`);

      // The record is the operator's: nobody changes it, nobody adds it to another object.
      const forged = await world.request({
        method: 'PATCH',
        path: namespacePath(space),
        contentType: 'application/merge-patch+json',
        body: { metadata: { annotations: { [createdBy]: `${world.ns}/other` } } },
      });
      assert.ok(forged.status === 403 || forged.status === 422, forged.text);
      assert.match(forged.text, /created-by/);
      const foreign = await world.request({
        method: 'POST',
        path: configMapPath(space),
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign' }, data: {} },
      });
      assert.equal(foreign.status, 201, foreign.text);
      const added = await world.request({
        method: 'PATCH',
        path: configMapPath(space, 'foreign'),
        contentType: 'application/merge-patch+json',
        body: { metadata: { annotations: { [createdBy]: `${world.ns}/${node.metadata.name}` } } },
      });
      assert.ok(added.status === 403 || added.status === 422, added.text);

      await world.db.connection.query("UPDATE `made` SET active = 0 WHERE id = 'c0'");
      await nodeGone(world, node.metadata.name, 'made node gone', 120_000);
      const kept = await alive(world, namespacePath(space), 'the namespace others use');
      assert.equal(kept.metadata.labels?.['lynq.sh/orphaned'], 'true');
      assert.equal(kept.metadata.labels['lynq.sh/node'], undefined);
      await alive(world, configMapPath(space, 'foreign'), 'the foreign ConfigMap');
      const events = await eventsOf(world, node.metadata.name);
      assert.ok(
        events.some(
          (e) => e.reason === 'NamespaceInUse' && e.message.includes('ConfigMap foreign'),
        ),
        JSON.stringify(events),
      );
    } finally {
      await removeNamespace(world, space);
    }
  });

  it('N6 a ConfigMap taken over with Force is released, never deleted, when its node goes (a form cannot forge the creation record); with deleteAdopted it is deleted', async () => {
    for (const name of ['d0-kept', 'd0-gone']) {
      const res = await world.request({
        method: 'POST',
        path: configMapPath(world.ns),
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { owner: 'team' } },
      });
      assert.equal(res.status, 201, res.text);
    }
    await scenarioHub(world, 'adopt', 'd0');
    await create(
      world,
      'lynqforms',
      formOf(world, 'adopt', 'adopt', {
        configMaps: [
          cm('kept', {
            conflictPolicy: 'Force',
            // A hostile form claiming the object was Lynq's own: stripped before any write.
            annotationsTemplate: { [createdBy]: `${world.ns}/d0-adopt` },
          }),
          cm('gone', { conflictPolicy: 'Force', deleteAdopted: true }),
        ],
      }),
    );
    const node = await nodeOf(world, 'adopt', 'd0');
    await statusWhen(world, node.metadata.name, 'adopt Ready', (s) => s.phase === 'Ready');
    const adopted = await getConfigMap(world, 'd0-kept');
    assert.equal(adopted?.metadata.labels?.['lynq.sh/node'], node.metadata.name);
    assert.equal(adopted.metadata.annotations?.[createdBy], undefined);
    const adoptions = (await eventsOf(world, node.metadata.name)).filter(
      (e) => e.reason === 'Adopted',
    );
    // One per adopted object (events of one reason are merged per object today, counted).
    const adoptionCount = adoptions.reduce((sum, e) => sum + (e.count ?? 1), 0);
    assert.equal(adoptionCount, 2, JSON.stringify(adoptions));

    await deleteForm(world, 'adopt');
    await nodeGone(world, node.metadata.name, 'adopt node gone', 120_000);
    const kept = await alive(world, configMapPath(world.ns, 'd0-kept'), 'the adopted ConfigMap');
    assert.equal(kept.metadata.labels?.['lynq.sh/orphaned'], 'true');
    assert.equal(kept.metadata.labels['lynq.sh/node'], undefined);
    assert.equal(kept.data?.['owner'], 'team', 'the data it had before is kept');
    await eventually('the deleteAdopted ConfigMap deleted', async () =>
      (await getConfigMap(world, 'd0-gone')) === undefined ? true : undefined,
    );
  });
});

describe('N6 cluster-scoped takeover with the double opt-in', () => {
  let world: World;
  let operator: OperatorProcess;
  before(async () => {
    world = await openWorld('node-takeover-optin');
    await world.operator.stop();
    operator = await startOperator({
      namespace: world.ns,
      extraArgs: ['--allow-cluster-scoped-takeover'],
    });
  });
  after(async () => {
    await stopOperator(operator);
    await world.close();
  });

  it('N6 with --allow-cluster-scoped-takeover and allowClusterScopedTakeover a pre-existing Namespace is adopted, and released, never deleted, when its form goes; without the resource opt-in it is refused', async () => {
    const victim = `a0-${world.ns}`;
    await victimNamespace(world, victim);
    try {
      await scenarioHub(world, 'optin', 'a0');
      await create(
        world,
        'lynqforms',
        formOf(world, 'half', 'optin', {
          namespaces: [namespaceEntry(world, { conflictPolicy: 'Force' })],
        }),
      );
      const half = await nodeOf(world, 'half', 'a0');
      const refused = await statusWhen(
        world,
        half.metadata.name,
        'the flag alone is refused',
        (s) => resourceOf(s, 'space')?.reason === 'ResourceConflict',
      );
      assert.match(resourceOf(refused, 'space')?.message ?? '', /created outside Lynq/);
      await deleteForm(world, 'half');
      await nodeGone(world, half.metadata.name, 'half node gone', 120_000);

      await create(
        world,
        'lynqforms',
        formOf(world, 'take', 'optin', {
          namespaces: [
            namespaceEntry(world, { conflictPolicy: 'Force', allowClusterScopedTakeover: true }),
          ],
        }),
      );
      const node = await nodeOf(world, 'take', 'a0');
      await statusWhen(world, node.metadata.name, 'take Ready', (s) => s.phase === 'Ready');
      const adopted = await alive(world, namespacePath(victim), 'the adopted namespace');
      assert.equal(adopted.metadata.labels?.['lynq.sh/node'], node.metadata.name);
      assert.equal(adopted.metadata.labels['pod-security.kubernetes.io/enforce'], 'privileged');
      assert.equal(adopted.metadata.annotations?.[createdBy], undefined);

      await deleteForm(world, 'take');
      await nodeGone(world, node.metadata.name, 'take node gone', 120_000);
      const released = await alive(world, namespacePath(victim), 'the released namespace');
      assert.equal(released.metadata.labels?.['lynq.sh/orphaned'], 'true');
      assert.equal(released.metadata.labels['lynq.sh/node'], undefined);
      await alive(world, configMapPath(victim, 'precious'), 'the ConfigMap precious');
      const events = await eventsOf(world, node.metadata.name);
      assert.ok(
        events.some((e) => e.reason === 'Adopted' && e.message.includes('released, not deleted')) &&
          events.some((e) => e.reason === 'Adopted' && e.message.includes('adopted Namespace')),
        JSON.stringify(events),
      );
    } finally {
      await removeNamespace(world, victim);
    }
  });
});
