// Status as kstatus and `kubectl wait` read it (SPEC O2): Ready, Reconciling, Stalled and observedGeneration on hubs, forms and nodes, with the real kubectl.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { kubectl } from '../harness/test-env.js';
import {
  conditionOf,
  create,
  formBody,
  getForm,
  getHub,
  hubBody,
  insertRows,
  listNodes,
  openWorld,
  type World,
} from './forms-world.js';

interface Observed {
  metadata: { name: string; generation?: number };
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason: string; observedGeneration?: number }[];
  };
}

/** Runs `kubectl wait` in the world's namespace; the timeout is kubectl's, generous. */
const wait = async (world: World, condition: string, ...targets: string[]) =>
  kubectl(['wait', '-n', world.ns, `--for=condition=${condition}`, '--timeout=120s', ...targets]);

const getObject = async (world: World, plural: string, name: string): Promise<Observed> => {
  const res = await world.request({
    method: 'GET',
    path: `/apis/operator.lynq.sh/v1/namespaces/${world.ns}/${plural}/${name}`,
  });
  assert.equal(res.status, 200, res.text);
  return res.body as Observed;
};

/** Every condition, and the status, speak of the generation the object has now. */
const assertCurrent = (object: Observed): void => {
  const generation = object.metadata.generation;
  assert.equal(object.status?.observedGeneration, generation, object.metadata.name);
  for (const c of object.status?.conditions ?? []) {
    assert.equal(c.observedGeneration, generation, `${object.metadata.name} ${c.type}`);
  }
};

const shown = (object: Observed | undefined, ...types: string[]): string[] =>
  types.map((t) => `${t}=${conditionOf(object as never, t)?.status ?? '-'}`);

describe('kstatus conditions on the real API server', () => {
  let world: World;

  before(async () => {
    world = await openWorld('kstatus');
    await insertRows(world, 2);
    await create(world, 'lynqhubs', await hubBody(world, 'hub'));
    await create(world, 'lynqforms', formBody(world, 'web', 'hub'));
  });

  after(async () => {
    await world.close();
  });

  it('O2 kubectl wait --for=condition=Ready works on hubs, forms and nodes', async () => {
    await eventually('two nodes', async () => (await listNodes(world, 'web')).length === 2);
    const nodes = await wait(world, 'Ready', 'lynqnodes', '--all');
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.match(nodes.stdout, /condition met/);
    const owners = await wait(world, 'Ready', 'lynqhub/hub', 'lynqform/web');
    assert.equal(owners.code, 0, owners.stderr);
    const hub = await getObject(world, 'lynqhubs', 'hub');
    const form = await getObject(world, 'lynqforms', 'web');
    const node = await getObject(
      world,
      'lynqnodes',
      (await listNodes(world, 'web'))[0]?.metadata.name ?? '',
    );
    for (const object of [hub, form, node]) {
      assertCurrent(object);
      assert.deepEqual(shown(object, 'Ready', 'Reconciling', 'Stalled'), [
        'Ready=True',
        'Reconciling=False',
        'Stalled=False',
      ]);
    }
  });

  it('O2 a form and hub with a failed node are Stalled, not Ready, until the node recovers', async () => {
    // The node's ConfigMap already exists, held by nobody: a conflict (SPEC N6), the node fails.
    const clash = await world.request({
      method: 'POST',
      path: `/api/v1/namespaces/${world.ns}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'clash-web-settings' } },
    });
    assert.equal(clash.status, 201, clash.text);
    await world.db.connection.query("INSERT INTO `rows` VALUES ('clash', 1, 'pro')");
    const stalled = await wait(world, 'Stalled', 'lynqform/web', 'lynqhub/hub');
    assert.equal(stalled.code, 0, stalled.stderr);
    const form = await getForm(world, 'web');
    assert.equal(form?.status?.failedNodes, 1);
    assert.deepEqual(
      [conditionOf(form, 'Ready')?.status, conditionOf(form, 'Ready')?.reason],
      ['False', 'NodesFailed'],
    );
    assert.equal(conditionOf(await getHub(world, 'hub'), 'Ready')?.status, 'False');

    // The conflict goes away: the node recovers by itself, and so do the form and the hub.
    const removed = await world.request({
      method: 'DELETE',
      path: `/api/v1/namespaces/${world.ns}/configmaps/clash-web-settings`,
    });
    assert.equal(removed.status, 200, removed.text);
    const nodes = await wait(world, 'Ready', 'lynqnodes', '--all');
    assert.equal(nodes.code, 0, nodes.stderr);
    const ready = await wait(world, 'Ready', 'lynqform/web', 'lynqhub/hub');
    assert.equal(ready.code, 0, ready.stderr);
  });

  it('O2 F1 an invalid form is Stalled and not Applied, never Applied=True with 0 of 0 nodes', async () => {
    const body = formBody(world, 'broken', 'hub');
    const resource = body.spec.configMaps[0] as Record<string, unknown>;
    resource['dependIds'] = ['missing'];
    await create(world, 'lynqforms', body);
    const stalled = await wait(world, 'Stalled', 'lynqform/broken');
    assert.equal(stalled.code, 0, stalled.stderr);
    const form = await eventually('broken form published', async () => {
      const f = await getForm(world, 'broken');
      return conditionOf(f, 'Applied') !== undefined ? f : undefined;
    });
    assert.deepEqual(shown(form as Observed, 'Valid', 'Applied', 'Ready'), [
      'Valid=False',
      'Applied=False',
      'Ready=False',
    ]);
    assert.equal(conditionOf(form, 'Applied')?.reason, 'Invalid');
    assert.match(conditionOf(form, 'Ready')?.message ?? '', /missing/);
    assertCurrent(form);
  });
});
