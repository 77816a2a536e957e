// Node actors on the real API server and MariaDB: rows become objects, Ready via kubectl wait, template errors, describe, restart without writes, deletion and release.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { auditEvents, kubectl } from '../harness/test-env.js';
import { create, hubBody, insertRows, listNodes, openWorld, type World } from './forms-world.js';
import { appDeploymentEntry, formOf } from './node-scenarios.js';
import { getConfigMap, getObject, kubectlWaitReady, nodeOf, nodeStatus } from './node-world.js';

/** CM + Service + Deployment (waitForReady false) and a retained CM, in two levels. */
const webForm = (world: World) =>
  formOf(world, 'web', 'hub', {
    configMaps: [
      {
        id: 'config',
        nameTemplate: '{{ uid }}-config',
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: '{{ plan }}' } },
      },
      {
        id: 'keep',
        nameTemplate: '{{ uid }}-keep',
        deletionPolicy: 'Retain',
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { precious: 'yes' } },
      },
    ],
    services: [
      {
        id: 'svc',
        nameTemplate: '{{ uid }}-svc',
        dependIds: ['config'],
        spec: {
          apiVersion: 'v1',
          kind: 'Service',
          spec: { selector: { app: '{{ uid }}' }, ports: [{ port: 80 }] },
        },
      },
    ],
    deployments: [appDeploymentEntry],
  });

/** One good CM, one CM with an undefined variable, and a dependant of the broken one. */
const badForm = (world: World) =>
  formOf(world, 'bad', 'hub', {
    configMaps: [
      {
        id: 'good',
        nameTemplate: '{{ uid }}-good',
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } },
      },
      {
        id: 'broken',
        nameTemplate: '{{ uid }}-broken',
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '{{ nope }}' } },
      },
      {
        id: 'after-broken',
        nameTemplate: '{{ uid }}-after',
        dependIds: ['broken'],
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } },
      },
    ],
  });

const getService = async (world: World, name: string) =>
  getObject(world, `/api/v1/namespaces/${world.ns}/services/${name}`);

describe('node actor: render, apply, status, restart, deletion', () => {
  let world: World;
  let restarted: OperatorProcess | undefined;
  before(async () => {
    world = await openWorld('node');
    await insertRows(world, 1, 'r');
    await create(world, 'lynqhubs', await hubBody(world, 'hub'));
    await create(world, 'lynqforms', webForm(world));
    await create(world, 'lynqforms', badForm(world));
  });
  after(async () => {
    await restarted?.stop();
    await world.close();
  });

  it('N1 N4 O2 a row becomes a ConfigMap, a Service and a Deployment (waitForReady false), and kubectl wait --for=condition=Ready succeeds', async () => {
    const node = await nodeOf(world, 'web', 'r0');
    const wait = await kubectlWaitReady(world, node.metadata.name);
    assert.equal(wait.code, 0, wait.stderr);
    const config = await getConfigMap(world, 'r0-config');
    assert.equal(config?.data?.['plan'], 'pro');
    assert.equal(config.metadata.labels?.['lynq.sh/node'], node.metadata.name);
    assert.equal(config.metadata.ownerReferences?.[0]?.kind, 'LynqNode');
    assert.ok(await getService(world, 'r0-svc'));
    assert.ok(await getObject(world, `/apis/apps/v1/namespaces/${world.ns}/deployments/r0-app`));
    const status = await nodeStatus(world, node.metadata.name);
    assert.equal(status?.phase, 'Ready');
    assert.equal(status.readySummary, '4/4');
    const levels = Object.fromEntries(
      (status.appliedResources ?? []).map((r) => [r.id, [r.level, r.deletionPolicy]]),
    );
    assert.deepEqual(levels, {
      config: [0, 'Delete'],
      keep: [0, 'Retain'],
      svc: [1, 'Delete'],
      app: [1, 'Delete'],
    });
  });

  it('N14 N2 O2 a bad template in one resource leaves the others applied, skips its dependant, and kubectl describe shows the phase and the reason', async () => {
    const node = await nodeOf(world, 'bad', 'r0');
    const status = await eventually('bad node Degraded', async () => {
      const s = await nodeStatus(world, node.metadata.name);
      return s?.phase === 'Degraded' ? s : undefined;
    });
    assert.ok(await getConfigMap(world, 'r0-good'), 'the good resource is applied');
    assert.equal(await getConfigMap(world, 'r0-broken'), undefined);
    assert.equal(await getConfigMap(world, 'r0-after'), undefined);
    assert.deepEqual(status.skippedResourceIds, ['after-broken']);
    const broken = status.resources?.find((r) => r.id === 'broken');
    assert.equal(broken?.reason, 'TemplateRenderError');
    assert.match(broken.message ?? '', /nope/);
    assert.equal(status.conditions?.find((c) => c.type === 'Degraded')?.status, 'True');

    const described = await kubectl(['describe', 'lynqnode', '-n', world.ns, node.metadata.name]);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /Phase:\s+Degraded/);
    assert.match(described.stdout, /TemplateRenderError/);
    assert.match(described.stdout, /DependencySkipped/);
  });

  it('N13 O2 an operator restart re-applies and publishes nothing for unchanged nodes', async () => {
    const web = await nodeOf(world, 'web', 'r0');
    const bad = await nodeOf(world, 'bad', 'r0');
    const code = await world.operator.stop();
    assert.equal(code, 0);
    const since = new Date().toISOString();
    restarted = await startOperator({ namespace: world.ns });
    // A new row after the restart: once its node is Ready, the restarted operator has long
    // passed over the existing nodes (they were known first).
    await world.db.connection.query(
      "INSERT INTO `rows` (id, active, plan) VALUES ('r1', 1, 'pro')",
    );
    const fresh = await nodeOf(world, 'web', 'r1');
    const wait = await kubectlWaitReady(world, fresh.metadata.name);
    assert.equal(wait.code, 0, wait.stderr);
    const writes = await auditEvents(
      (e) =>
        e.user.username === 'lynq-operator' &&
        e.objectRef?.namespace === world.ns &&
        e.requestReceivedTimestamp >= since &&
        !['get', 'list', 'watch'].includes(e.verb) &&
        ((e.objectRef.name ?? '').startsWith('r0-') ||
          e.objectRef.name === web.metadata.name ||
          e.objectRef.name === bad.metadata.name),
    );
    assert.deepEqual(
      writes.map(
        (e) =>
          `${e.verb} ${e.objectRef?.resource ?? ''}/${e.objectRef?.subresource ?? ''} ${e.objectRef?.name ?? ''}`,
      ),
      [],
    );
  });

  it('N1 N10 O2 a row UPDATE and a form change: kubectl wait sees the new generation Ready; a resource removed from the form is deleted (RemovedFromTemplate)', async () => {
    const node = await nodeOf(world, 'web', 'r1');
    await world.db.connection.query("UPDATE `rows` SET plan = 'max' WHERE id = 'r1'");
    await eventually('r1 config updated', async () =>
      (await getConfigMap(world, 'r1-config'))?.data?.['plan'] === 'max' ? true : undefined,
    );
    const wait = await kubectlWaitReady(world, node.metadata.name);
    assert.equal(wait.code, 0, wait.stderr);

    // Drop the Service from the form: the node deletes it and stops recording it.
    const res = await world.request({
      method: 'PATCH',
      path: lynqPath('lynqforms', world.ns, 'web'),
      contentType: 'application/merge-patch+json',
      body: { spec: { services: [] } },
    });
    assert.equal(res.status, 200, res.text);
    await eventually('r1 service deleted', async () =>
      (await getService(world, 'r1-svc')) === undefined ? true : undefined,
    );
    const status = await eventually('r1 no longer records svc', async () => {
      const s = await nodeStatus(world, node.metadata.name);
      return s?.phase === 'Ready' && !(s.appliedResources ?? []).some((r) => r.id === 'svc')
        ? s
        : undefined;
    });
    assert.equal(status.readySummary, '3/3');
    assert.ok(await getConfigMap(world, 'r1-config'));
  });

  it('N9 N10 a deactivated row: Delete resources are deleted by the node before it goes, Retain is released with markers and its data', async () => {
    const node = await nodeOf(world, 'web', 'r0');
    const since = new Date().toISOString();
    await world.db.connection.query("UPDATE `rows` SET active = 0 WHERE id = 'r0'");
    await eventually('node gone', async () =>
      (await listNodes(world, 'web')).some((n) => n.metadata.name === node.metadata.name)
        ? undefined
        : true,
    );
    assert.equal(await getConfigMap(world, 'r0-config'), undefined);
    assert.equal(await getService(world, 'r0-svc'), undefined);
    const deletes = await auditEvents(
      (e) =>
        e.user.username === 'lynq-operator' &&
        e.verb === 'delete' &&
        e.objectRef?.namespace === world.ns &&
        e.requestReceivedTimestamp >= since &&
        ['r0-config', 'r0-svc', 'r0-app', 'r0-keep'].includes(e.objectRef.name ?? ''),
    );
    assert.deepEqual(
      deletes.map((e) => e.objectRef?.name).sort(),
      // r0-svc left earlier, with the form change.
      ['r0-app', 'r0-config'],
      'the node deleted its Delete resources itself',
    );
    const kept = await getConfigMap(world, 'r0-keep');
    assert.ok(kept, 'the Retain resource stays');
    assert.equal(kept.data?.['precious'], 'yes');
    assert.equal(kept.metadata.labels?.['lynq.sh/orphaned'], 'true');
    assert.equal(kept.metadata.labels['lynq.sh/node'], undefined);
    assert.equal(kept.metadata.annotations?.['lynq.sh/orphaned-reason'], 'LynqNodeDeleted');
    assert.equal(kept.metadata.ownerReferences, undefined);
  });
});
