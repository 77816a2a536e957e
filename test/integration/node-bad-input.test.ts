// Node actors on the real API server and MariaDB, fed bad input: a revision that does not exist, a kind the server does not serve, a target namespace that does not exist.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import type { OperatorProcess } from '../harness/operator-process.js';
import {
  conditionOf,
  create,
  getForm,
  hubBody,
  mergePatch,
  openWorld,
  type World,
} from './forms-world.js';
import {
  configMapEntry,
  formOf,
  scenarioHub,
  startOperatorAllowing,
  stopOperator,
} from './node-scenarios.js';
import {
  eventsOf,
  getConfigMap,
  isReadyAtGeneration,
  nodeOf,
  nodeWhen,
  resourceOf,
} from './node-world.js';

/** A ConfigMap entry whose data also says the row's plan. */
const cm = (id: string, extra: Record<string, unknown> = {}) =>
  configMapEntry(id, extra, { plan: '{{ plan }}' });

describe('node actor: bad input at node level', () => {
  let world: World;
  let operator: OperatorProcess;
  let missingNamespace: string;
  before(async () => {
    world = await openWorld('node-bad-input');
    // An allowed target namespace that nobody creates (N16 lets it through; the server refuses).
    missingNamespace = `${world.ns}-missing`;
    operator = await startOperatorAllowing(world, missingNamespace);
  });
  after(async () => {
    await stopOperator(operator);
    await world.close();
  });

  it('N1 a node whose spec.revision names a ControllerRevision that does not exist reports RevisionNotFound in status and an event, other nodes go on, and it recovers once it names one that exists', async () => {
    await world.db.connection.query(
      "INSERT INTO `rows` (id, active, plan) VALUES ('r0', 1, 'pro')",
    );
    await create(world, 'lynqhubs', await hubBody(world, 'hub'));
    const ghostSpec = { configMaps: [cm('ghost')] };
    await create(world, 'lynqforms', formOf(world, 'ghost', 'hub', ghostSpec));
    await create(world, 'lynqforms', formOf(world, 'fine', 'hub', { configMaps: [cm('fine')] }));
    const ghost = await nodeOf(world, 'ghost', 'r0');
    const fine = await nodeOf(world, 'fine', 'r0');
    await nodeWhen(world, ghost.metadata.name, 'ghost node Ready', isReadyAtGeneration);
    await nodeWhen(world, fine.metadata.name, 'fine node Ready', isReadyAtGeneration);

    // An invalid form moves no node (F2), so the revision written below stays as it is.
    await mergePatch(world, 'lynqforms', 'ghost', {
      spec: { configMaps: [cm('ghost', { dependIds: ['nowhere'] })] },
    });
    await eventually('ghost form invalid', async () =>
      conditionOf(await getForm(world, 'ghost'), 'Valid')?.status === 'False' ? true : undefined,
    );
    const missing = 'ghost-0000000000';
    await mergePatch(world, 'lynqnodes', ghost.metadata.name, { spec: { revision: missing } });

    const failing = await nodeWhen(
      world,
      ghost.metadata.name,
      'ghost node reports RevisionNotFound',
      (n) =>
        n.status?.observedGeneration === n.metadata.generation &&
        conditionOf(n, 'Ready')?.reason === 'RevisionNotFound',
    );
    assert.equal(failing.spec.revision, missing, 'nobody rewrote the revision meanwhile');
    assert.equal(failing.status?.phase, 'Degraded');
    assert.equal(conditionOf(failing, 'Ready')?.status, 'False');
    assert.match(conditionOf(failing, 'Ready')?.message ?? '', new RegExp(missing));
    assert.equal(conditionOf(failing, 'Degraded')?.status, 'True');
    const event = await eventually('a RevisionNotFound event', async () =>
      (await eventsOf(world, ghost.metadata.name)).find((e) => e.reason === 'RevisionNotFound'),
    );
    assert.equal(event.type, 'Warning');
    assert.match(event.message, new RegExp(missing));

    // Other nodes go on: a row change reaches the other form's object.
    await world.db.connection.query("UPDATE `rows` SET plan = 'max' WHERE id = 'r0'");
    await eventually('the fine node applies the new row', async () =>
      (await getConfigMap(world, 'r0-fine'))?.data?.['plan'] === 'max' ? true : undefined,
    );
    await nodeWhen(world, fine.metadata.name, 'fine node Ready again', isReadyAtGeneration);

    // The form valid again moves the node to an existing revision: it recovers by itself.
    await mergePatch(world, 'lynqforms', 'ghost', { spec: ghostSpec });
    const recovered = await nodeWhen(
      world,
      ghost.metadata.name,
      'ghost node Ready at an existing revision',
      (n) => isReadyAtGeneration(n) && n.spec.revision !== missing,
    );
    assert.equal(conditionOf(recovered, 'Ready')?.status, 'True');
  });

  it('N14 N16 a kind the API server does not serve and a target namespace that does not exist fail their own resources, in status and by events, while the rest of the node applies, and the node retries until the namespace exists', async () => {
    await scenarioHub(world, 'odd', 'o0');
    await create(
      world,
      'lynqforms',
      formOf(world, 'odd', 'odd', {
        configMaps: [cm('home'), cm('away', { targetNamespace: missingNamespace })],
        manifests: [
          {
            id: 'widget',
            nameTemplate: '{{ uid }}-widget',
            spec: { apiVersion: 'example.com/v1', kind: 'Widget', spec: { size: 1 } },
          },
        ],
      }),
    );
    const node = await nodeOf(world, 'odd', 'o0');
    const status = await nodeWhen(
      world,
      node.metadata.name,
      'odd node Degraded with home applied',
      (n) =>
        n.status?.phase === 'Degraded' &&
        resourceOf(n.status, 'home')?.state === 'Ready' &&
        resourceOf(n.status, 'widget')?.state === 'Failed' &&
        resourceOf(n.status, 'away')?.state === 'Failed',
    );
    const home = await getConfigMap(world, 'o0-home');
    assert.equal(home?.metadata.labels?.['lynq.sh/node'], node.metadata.name, 'home applied');

    const widget = resourceOf(status.status, 'widget');
    assert.equal(widget?.reason, 'UnknownKind');
    assert.match(widget.message ?? '', /Widget/);
    const away = resourceOf(status.status, 'away');
    assert.equal(away?.reason, 'NotFound');
    assert.match(away.message ?? '', new RegExp(`namespaces "${missingNamespace}" not found`));
    assert.equal(conditionOf(status, 'Degraded')?.status, 'True');

    const events = await eventually('an event for each failed resource', async () => {
      const all = await eventsOf(world, node.metadata.name);
      const kind = all.find((e) => /"widget"/.test(e.message));
      const namespace = all.find((e) => /"away"/.test(e.message));
      return kind !== undefined && namespace !== undefined ? { kind, namespace } : undefined;
    });
    assert.equal(events.kind.type, 'Warning');
    assert.equal(events.kind.reason, 'UnknownKind');
    assert.match(events.kind.message, /Widget/);
    assert.equal(events.namespace.type, 'Warning');
    assert.match(events.namespace.message, new RegExp(missingNamespace));

    // The cluster catches up: once the namespace exists the node's backoff retry applies there,
    // with no change to the form or the row.
    const made = await world.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: missingNamespace } },
    });
    assert.equal(made.status, 201, made.text);
    try {
      await nodeWhen(
        world,
        node.metadata.name,
        'away applied once its namespace exists',
        (n) => resourceOf(n.status, 'away')?.state === 'Ready',
        120_000,
      );
      const away = await getConfigMap(world, 'o0-away', missingNamespace);
      assert.equal(away?.metadata.labels?.['lynq.sh/node'], node.metadata.name);
    } finally {
      await world.request({ method: 'DELETE', path: `/api/v1/namespaces/${missingNamespace}` });
    }
  });
});
