// Node actors on the real API server and MariaDB: dependency graphs and skips, Once vs WhenNeeded, Stuck/Force and OwnerConflict, the target allow-list, the Namespace kind, namespace deletion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { auditEvents, createTestNamespace } from '../harness/test-env.js';
import { create, hubBody, mergePatch, openWorld, type World } from './forms-world.js';
import {
  appDeploymentEntry,
  configMapEntry as cm,
  formOf,
  insertRow,
  openWorldWithExtraNamespace,
  scenarioHub,
  type WorldWithExtraNamespace,
} from './node-scenarios.js';
import {
  configMapPath,
  eventsOf,
  getConfigMap,
  getObject,
  nodeGone,
  nodeOf,
  operatorWrote,
  resourceOf,
  statusWhen,
  type NodeStatusView,
} from './node-world.js';

/** How many failed passes of `node` the operator logged since `since` (its "Node pass failed again" debug lines). */
const failedPassesOf = (
  operator: OperatorProcess,
  namespace: string,
  node: string,
  since: number,
): number =>
  operator
    .output()
    .split('\n')
    .filter((line) => {
      try {
        const entry = JSON.parse(line) as {
          msg?: string;
          namespace?: string;
          name?: string;
          time?: string;
        };
        return (
          entry.msg === 'Node pass failed again' &&
          entry.namespace === namespace &&
          entry.name === node &&
          Date.parse(entry.time ?? '') >= since
        );
      } catch (err) {
        if (err instanceof SyntaxError) return false;
        throw err;
      }
    }).length;

const conditionOf = (s: NodeStatusView, type: string): string | undefined =>
  s.conditions?.find((c) => c.type === type)?.status;

describe('node actor: dependency graphs, policies, conflicts, targets', () => {
  let opened: WorldWithExtraNamespace;
  let world: World;
  let extra: WorldWithExtraNamespace['extra'];
  before(async () => {
    // The same operator, with one extra allowed target namespace (N16).
    opened = await openWorldWithExtraNamespace('node-policies', 'policies-extra');
    ({ world, extra } = opened);
  });
  after(async () => {
    await opened.close();
  });

  it('N1 N2 chain, fan-in and diamond dependencies are applied level by level', async () => {
    await scenarioHub(world, 'graph');
    await create(
      world,
      'lynqforms',
      formOf(world, 'graph', 'graph', {
        configMaps: [
          // chain a → b → c
          cm('a'),
          cm('b', { dependIds: ['a'] }),
          cm('c', { dependIds: ['b'] }),
          // fan-in: a and x → fan
          cm('x'),
          cm('fan', { dependIds: ['a', 'x'] }),
          // diamond: top → left, right → bottom
          cm('top'),
          cm('left', { dependIds: ['top'] }),
          cm('right', { dependIds: ['top'] }),
          cm('bottom', { dependIds: ['left', 'right'] }),
        ],
      }),
    );
    await insertRow(world, 'graph', 'g0');
    const node = await nodeOf(world, 'graph', 'g0');
    const status = await statusWhen(
      world,
      node.metadata.name,
      'graph node Ready',
      (s) => s.phase === 'Ready',
    );
    const levels = Object.fromEntries((status.appliedResources ?? []).map((r) => [r.id, r.level]));
    assert.deepEqual(levels, {
      a: 0,
      x: 0,
      top: 0,
      b: 1,
      fan: 1,
      left: 1,
      right: 1,
      c: 2,
      bottom: 2,
    });
    const creates = await auditEvents(
      (e) =>
        operatorWrote(e) &&
        e.verb === 'create' &&
        e.objectRef?.resource === 'configmaps' &&
        e.objectRef.namespace === world.ns &&
        (e.objectRef.name ?? '').startsWith('g0-'),
    );
    const createdAt = new Map(
      creates.map((e) => [(e.objectRef?.name ?? '').slice(3), e.requestReceivedTimestamp]),
    );
    assert.equal(createdAt.size, 9, `one create per object: ${[...createdAt.keys()].join(', ')}`);
    const edges: [string, string][] = [
      ['a', 'b'],
      ['b', 'c'],
      ['a', 'fan'],
      ['x', 'fan'],
      ['top', 'left'],
      ['top', 'right'],
      ['left', 'bottom'],
      ['right', 'bottom'],
    ];
    for (const [dep, dependant] of edges) {
      const d = createdAt.get(dep) ?? '';
      const t = createdAt.get(dependant) ?? '';
      assert.ok(
        d !== '' && t !== '' && d < t,
        `${dep} (${d}) is created before ${dependant} (${t})`,
      );
    }
  });

  it('N2 N14 skipOnDependencyFailure: true skips with DependencySkipped, skips cascade, false applies anyway with DependencyFailedButProceeding', async () => {
    await create(
      world,
      'lynqforms',
      formOf(world, 'skips', 'graph', {
        configMaps: [
          cm('broken', {}, { oops: '{{ nope }}' }),
          cm('skipped', { dependIds: ['broken'] }),
          cm('cascade', { dependIds: ['skipped'] }),
          cm('proceed', { dependIds: ['broken'], skipOnDependencyFailure: false }),
          cm('fine'),
        ],
      }),
    );
    const node = await nodeOf(world, 'skips', 'g0');
    const status = await statusWhen(
      world,
      node.metadata.name,
      'skips node Degraded with both skips',
      (s) => s.phase === 'Degraded' && (s.skippedResourceIds ?? []).length === 2,
    );
    assert.deepEqual([...(status.skippedResourceIds ?? [])].sort(), ['cascade', 'skipped']);
    assert.equal(resourceOf(status, 'broken')?.reason, 'TemplateRenderError');
    assert.equal(resourceOf(status, 'skipped')?.reason, 'DependencySkipped');
    assert.equal(resourceOf(status, 'cascade')?.reason, 'DependencySkipped');
    assert.equal(resourceOf(status, 'proceed')?.state, resourceOf(status, 'fine')?.state);
    assert.ok(await getConfigMap(world, 'g0-proceed'), 'proceed is applied anyway');
    assert.ok(await getConfigMap(world, 'g0-fine'));
    for (const absent of ['g0-broken', 'g0-skipped', 'g0-cascade']) {
      assert.equal(await getConfigMap(world, absent), undefined, absent);
    }
    assert.match(resourceOf(status, 'skipped')?.message ?? '', /"broken"/);
    assert.match(resourceOf(status, 'cascade')?.message ?? '', /"skipped"/);
    // Events are de-duplicated per node, reason and message (O1): the two skips name different
    // dependencies, so neither overwrites the other.
    const events = await eventually('skip events', async () => {
      const all = await eventsOf(world, node.metadata.name);
      const skips = all.filter((e) => e.reason === 'DependencySkipped');
      const proceeding = all.find((e) => e.reason === 'DependencyFailedButProceeding');
      return skips.length === 2 && proceeding !== undefined ? { skips, proceeding } : undefined;
    });
    const skipMessages = events.skips.map((e) => e.message).sort();
    assert.match(skipMessages[0] ?? '', /"cascade".*dependency "skipped" failed/);
    assert.match(skipMessages[1] ?? '', /"skipped".*dependency "broken" failed/);
    assert.match(events.proceeding.message, /"proceed".*broken/);
  });

  it('N7 after a form change the Once object keeps its data, the WhenNeeded object changes', async () => {
    await scenarioHub(world, 'once');
    const body = (version: string) =>
      formOf(world, 'policy', 'once', {
        configMaps: [
          cm('once', { creationPolicy: 'Once' }, { version }),
          cm('needed', { creationPolicy: 'WhenNeeded' }, { version }),
        ],
      });
    await create(world, 'lynqforms', body('v1'));
    await insertRow(world, 'once', 'o0');
    const node = await nodeOf(world, 'policy', 'o0');
    await statusWhen(world, node.metadata.name, 'policy node Ready', (s) => s.phase === 'Ready');
    const first = await getConfigMap(world, 'o0-once');
    assert.equal(first?.data?.['version'], 'v1');
    assert.equal(first.metadata.annotations?.['lynq.sh/created-once'], 'true');

    await mergePatch(world, 'lynqforms', 'policy', { spec: body('v2').spec });
    await eventually('WhenNeeded object updated', async () =>
      (await getConfigMap(world, 'o0-needed'))?.data?.['version'] === 'v2' ? true : undefined,
    );
    await statusWhen(
      world,
      node.metadata.name,
      'policy node Ready at the new generation',
      (s, n) => s.phase === 'Ready' && s.observedGeneration === n.metadata.generation,
    );
    const kept = await getConfigMap(world, 'o0-once');
    assert.equal(kept?.data?.['version'], 'v1', 'the Once object is never updated');
  });

  it('N5 N6 Stuck leaves a pre-existing object alone and recovers once it is gone; Force takes it over; two forms rendering one object: one holds it, the other reports OwnerConflict, no flapping', async () => {
    await scenarioHub(world, 'claims');
    for (const name of ['c0-stuck', 'c0-force']) {
      const res = await world.request({
        method: 'POST',
        path: configMapPath(world.ns),
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { owner: 'test' } },
      });
      assert.equal(res.status, 201, res.text);
    }
    await create(
      world,
      'lynqforms',
      formOf(world, 'claim', 'claims', {
        configMaps: [
          cm('stuck', { conflictPolicy: 'Stuck' }),
          cm('force', { conflictPolicy: 'Force' }),
        ],
      }),
    );
    const shared = {
      configMaps: [{ ...cm('shared'), nameTemplate: '{{ uid }}-shared' }],
    };
    await create(world, 'lynqforms', formOf(world, 'dup-a', 'claims', shared));
    await create(world, 'lynqforms', formOf(world, 'dup-b', 'claims', shared));
    const since = new Date().toISOString();
    await insertRow(world, 'claims', 'c0');

    // Stuck vs Force
    const claim = await nodeOf(world, 'claim', 'c0');
    const stuckStatus = await statusWhen(
      world,
      claim.metadata.name,
      'claim node conflicted',
      (s) =>
        resourceOf(s, 'stuck')?.state === 'Conflicted' ||
        resourceOf(s, 'stuck')?.reason === 'ResourceConflict',
    );
    assert.equal(resourceOf(stuckStatus, 'stuck')?.reason, 'ResourceConflict');
    assert.equal(conditionOf(stuckStatus, 'Conflicted'), 'True');
    assert.equal(conditionOf(stuckStatus, 'Degraded'), 'True');
    const stuck = await getConfigMap(world, 'c0-stuck');
    assert.deepEqual(stuck?.data, { owner: 'test' }, 'Stuck leaves the object untouched');
    assert.equal(stuck.metadata.labels?.['lynq.sh/node'], undefined);
    const forced = await eventually('Force took the object over', async () => {
      const o = await getConfigMap(world, 'c0-force');
      return o?.metadata.labels?.['lynq.sh/node'] === claim.metadata.name ? o : undefined;
    });
    assert.equal(forced.data?.['id'], 'force');
    assert.ok(
      (await eventsOf(world, claim.metadata.name)).some((e) => e.reason === 'ResourceConflict'),
      'a ResourceConflict event',
    );

    // Two forms, one object.
    const a = await nodeOf(world, 'dup-a', 'c0');
    const b = await nodeOf(world, 'dup-b', 'c0');
    const holder = await eventually('shared object held', async () => {
      const o = await getConfigMap(world, 'c0-shared');
      return o?.metadata.labels?.['lynq.sh/node'];
    });
    assert.ok([a.metadata.name, b.metadata.name].includes(holder), holder);
    const loser = holder === a.metadata.name ? b.metadata.name : a.metadata.name;
    const loserStatus = await statusWhen(
      world,
      loser,
      'the other node reports OwnerConflict',
      (s) => resourceOf(s, 'shared')?.reason === 'OwnerConflict',
    );
    assert.equal(conditionOf(loserStatus, 'Conflicted'), 'True');
    await statusWhen(world, holder, 'the holder is Ready', (s) => s.phase === 'Ready');

    // Stuck recovers once the pre-existing object is gone (while we watch the shared one).
    const del = await world.request({
      method: 'DELETE',
      path: configMapPath(world.ns, 'c0-stuck'),
    });
    assert.equal(del.status, 200, del.text);
    await statusWhen(
      world,
      claim.metadata.name,
      'claim node recovers to Ready',
      (s) => s.phase === 'Ready',
      180_000,
    );
    const recovered = await getConfigMap(world, 'c0-stuck');
    assert.equal(recovered?.metadata.labels?.['lynq.sh/node'], claim.metadata.name);
    assert.equal(recovered.data?.['id'], 'stuck');

    // No flapping: over a window of two more failed passes of the loser (each one reads the
    // shared object, finds it held and writes nothing to it), the audit log still shows exactly
    // one successful write to the object (the create).
    const windowStart = Date.now();
    await eventually(
      'two more passes of the conflicted node',
      () =>
        Promise.resolve(
          failedPassesOf(opened.operator, world.ns, loser, windowStart) >= 2 ? true : undefined,
        ),
      300_000,
    );
    const writes = await auditEvents(
      (e) =>
        operatorWrote(e) &&
        e.objectRef?.resource === 'configmaps' &&
        e.objectRef.namespace === world.ns &&
        e.objectRef.name === 'c0-shared' &&
        e.requestReceivedTimestamp >= since,
    );
    assert.deepEqual(
      writes.map((e) => e.verb),
      ['create'],
      'one write to the shared object, none after it',
    );
    const still = await getConfigMap(world, 'c0-shared');
    assert.equal(still?.metadata.labels?.['lynq.sh/node'], holder, 'the holder never changed');
  });

  it('N16 N4 N9 a target outside the allow-list fails with TargetNotAllowed while the others apply; an allowed extra namespace and a Namespace get tracking labels, no owner reference, and go with the row', async () => {
    await scenarioHub(world, 'targets');
    const nsName = `{{ uid }}-${world.ns}`;
    await create(
      world,
      'lynqforms',
      formOf(world, 'targets', 'targets', {
        configMaps: [
          cm('home'),
          // The extra namespace comes from the row (plan = its name).
          cm('away', { targetNamespace: '{{ plan }}' }),
          cm('denied', { targetNamespace: 'default' }),
        ],
        namespaces: [
          {
            id: 'space',
            nameTemplate: nsName,
            spec: { apiVersion: 'v1', kind: 'Namespace' },
          },
        ],
      }),
    );
    await insertRow(world, 'targets', 't0', extra.name);
    const node = await nodeOf(world, 'targets', 't0');
    const status = await statusWhen(
      world,
      node.metadata.name,
      'targets node Degraded with the others applied',
      (s) =>
        s.phase === 'Degraded' &&
        ['home', 'away', 'space'].every((id) => resourceOf(s, id)?.state === 'Ready'),
    );
    assert.equal(resourceOf(status, 'denied')?.reason, 'TargetNotAllowed');
    assert.equal(await getConfigMap(world, 't0-denied', 'default'), undefined);

    const away = await getConfigMap(world, 't0-away', extra.name);
    assert.ok(away, 'the object in the allowed extra namespace is applied');
    assert.equal(away.metadata.labels?.['lynq.sh/node'], node.metadata.name);
    assert.equal(away.metadata.labels['lynq.sh/node-namespace'], world.ns);
    assert.equal(away.metadata.ownerReferences, undefined, 'no cross-namespace owner reference');
    const spaceName = `t0-${world.ns}`;
    const space = await getObject(world, `/api/v1/namespaces/${spaceName}`);
    assert.ok(space, 'the Namespace is created');
    assert.equal(space.metadata.labels?.['lynq.sh/node'], node.metadata.name);
    assert.equal(
      space.metadata.ownerReferences,
      undefined,
      'no owner reference on a cluster-scoped object',
    );
    const home = await getConfigMap(world, 't0-home');
    assert.equal(home?.metadata.ownerReferences?.[0]?.name, node.metadata.name);

    await world.db.connection.query("UPDATE `targets` SET active = 0 WHERE id = 't0'");
    await nodeGone(world, node.metadata.name, 'targets node gone', 180_000);
    assert.equal(await getConfigMap(world, 't0-away', extra.name), undefined, 'away deleted');
    assert.equal(await getConfigMap(world, 't0-home'), undefined, 'home deleted');
    await eventually(
      'namespace deleted',
      async () => {
        const ns = await getObject(world, `/api/v1/namespaces/${spaceName}`);
        return ns === undefined || ns.metadata.deletionTimestamp !== undefined ? true : undefined;
      },
      120_000,
    );
  });
});

describe('namespace deletion with nodes', () => {
  it('N9 deleting a namespace holding a hub, a form and its nodes with applied resources removes everything, nothing stuck in Terminating', async () => {
    const world = await openWorld('node-nsdel');
    try {
      await world.db.connection.query(
        "INSERT INTO `rows` (id, active, plan) VALUES ('n0', 1, 'pro'), ('n1', 1, 'pro')",
      );
      await create(world, 'lynqhubs', await hubBody(world, 'hub'));
      await create(
        world,
        'lynqforms',
        formOf(world, 'web', 'hub', {
          configMaps: [cm('config'), cm('keep', { deletionPolicy: 'Retain' })],
          deployments: [appDeploymentEntry],
        }),
      );
      for (const uid of ['n0', 'n1']) {
        const node = await nodeOf(world, 'web', uid);
        await statusWhen(world, node.metadata.name, `${uid} Ready`, (s) => s.phase === 'Ready');
      }
      const res = await world.request({ method: 'DELETE', path: `/api/v1/namespaces/${world.ns}` });
      assert.equal(res.status, 200, res.text);
      await eventually(
        'namespace gone',
        async () =>
          (await world.request({ method: 'GET', path: `/api/v1/namespaces/${world.ns}` }))
            .status === 404
            ? true
            : undefined,
        180_000,
      );
    } finally {
      await world.close({ keepNamespace: true });
    }
  });
});

describe('operator allow-lists from the environment', () => {
  it('N16 LYNQ_ALLOWED_KINDS and LYNQ_ALLOWED_NAMESPACES configure the target policy: a kind left out fails with TargetNotAllowed, "*" allows any namespace', async () => {
    const [world, extra] = await Promise.all([
      openWorld('node-allow-env'),
      createTestNamespace('allow-env-extra'),
    ]);
    await world.operator.stop();
    process.env['LYNQ_ALLOWED_KINDS'] = '/Service';
    process.env['LYNQ_ALLOWED_NAMESPACES'] = '*';
    let operator: OperatorProcess | undefined;
    try {
      operator = await startOperator({ namespace: world.ns });
    } finally {
      delete process.env['LYNQ_ALLOWED_KINDS'];
      delete process.env['LYNQ_ALLOWED_NAMESPACES'];
    }
    try {
      await world.db.connection.query(
        "INSERT INTO `rows` (id, active, plan) VALUES ('e0', 1, 'pro')",
      );
      await create(world, 'lynqhubs', await hubBody(world, 'hub'));
      await create(
        world,
        'lynqforms',
        formOf(world, 'kinds', 'hub', {
          configMaps: [cm('config')],
          services: [
            {
              id: 'svc',
              nameTemplate: '{{ uid }}-svc',
              targetNamespace: extra.name,
              spec: {
                apiVersion: 'v1',
                kind: 'Service',
                spec: { selector: { app: '{{ uid }}' }, ports: [{ port: 80 }] },
              },
            },
          ],
        }),
      );
      const node = await nodeOf(world, 'kinds', 'e0');
      const status = await statusWhen(
        world,
        node.metadata.name,
        'kinds node Degraded with the Service applied',
        (s) => s.phase === 'Degraded' && resourceOf(s, 'svc')?.state === 'Ready',
      );
      assert.equal(resourceOf(status, 'config')?.reason, 'TargetNotAllowed');
      assert.match(resourceOf(status, 'config')?.message ?? '', /\/ConfigMap/);
      assert.equal(await getConfigMap(world, 'e0-config'), undefined);
      const svc = await getObject(world, `/api/v1/namespaces/${extra.name}/services/e0-svc`);
      assert.equal(svc?.metadata.labels?.['lynq.sh/node'], node.metadata.name);
    } finally {
      await operator.stop();
      await Promise.all([world.close(), extra.remove()]);
    }
  });
});
